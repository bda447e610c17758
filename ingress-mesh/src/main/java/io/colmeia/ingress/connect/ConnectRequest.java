package io.colmeia.ingress.connect;

import io.netty.buffer.ByteBuf;
import io.netty.util.AbstractReferenceCounted;
import io.netty.util.ReferenceCounted;

/**
 * A client's parsed CONNECT together with every byte received so far (the CONNECT itself and anything the
 * client pipelined after it), which must reach the broker unchanged. Reference counted through its bytes.
 */
public final class ConnectRequest extends AbstractReferenceCounted {

    private final ConnectInfo connect;
    private final ByteBuf bytes;

    public ConnectRequest(ConnectInfo connect, ByteBuf bytes) {
        this.connect = connect;
        this.bytes = bytes;
    }

    public ConnectInfo connect() {
        return connect;
    }

    /** The received bytes; released with this request (retain them to keep them longer). */
    public ByteBuf bytes() {
        return bytes;
    }

    @Override
    protected void deallocate() {
        bytes.release();
    }

    @Override
    public ReferenceCounted touch(Object hint) {
        bytes.touch(hint);
        return this;
    }
}
