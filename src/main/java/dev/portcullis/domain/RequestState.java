package dev.portcullis.domain;

/** PENDING ──quorum──▶ APPROVED; PENDING ──▶ DENIED | WITHDRAWN | LAPSED. Only PENDING moves. */
public enum RequestState {
    PENDING, APPROVED, DENIED, WITHDRAWN, LAPSED
}
