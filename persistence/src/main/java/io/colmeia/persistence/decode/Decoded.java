package io.colmeia.persistence.decode;

import org.bson.Document;

/**
 * A decoded message: the document to store and the collection it belongs in.
 *
 * @param collection {@code telemetry} or {@code telemetry_rejected}
 * @param document   the document, with its deterministic {@code _id}
 * @param rejection  why it was rejected, or null when accepted
 */
public record Decoded(String collection, Document document, Rejection rejection) {

    public boolean rejected() {
        return rejection != null;
    }

    public String id() {
        return document.getString("_id");
    }
}
