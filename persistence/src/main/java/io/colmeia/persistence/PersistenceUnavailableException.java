package io.colmeia.persistence;

/** A message was not made durable; the message says why (queue full, spool full, closed, refused). */
public class PersistenceUnavailableException extends RuntimeException {

    public PersistenceUnavailableException(String message) {
        super(message);
    }

    public PersistenceUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
