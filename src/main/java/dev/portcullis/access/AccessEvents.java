package dev.portcullis.access;

import dev.portcullis.domain.AccessRequest;
import dev.portcullis.domain.Grant;

/**
 * What the request workflow announces after a change has committed. The window scheduler arms its
 * timers from these; later the gateways cut sessions and the credential brokers revoke leases from
 * {@link #grantClosing}.
 */
public interface AccessEvents {

    void requestFiled(AccessRequest request);

    void grantIssued(Grant grant);

    /** The grant was moved to CLOSING (revoked early); the closing work must run now. */
    void grantClosing(Grant grant);

    AccessEvents NONE = new AccessEvents() {
        public void requestFiled(AccessRequest request) {
        }

        public void grantIssued(Grant grant) {
        }

        public void grantClosing(Grant grant) {
        }
    };
}
