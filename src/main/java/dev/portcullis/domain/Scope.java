package dev.portcullis.domain;

/** What a grant lets its executor do on its target. One shape per protocol. */
public sealed interface Scope permits SshScope, HttpScope {

    Protocol protocol();

    /** Whether {@code action} lies inside this scope; the single place where scope is decided. */
    boolean permits(Action action);
}
