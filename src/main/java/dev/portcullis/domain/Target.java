package dev.portcullis.domain;

import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * A customer-owned host or API that vendors reach only through the broker.
 * {@code endpoint} holds the protocol's connection settings (SSH: host, port, hostKey, principals;
 * HTTP: baseUrl), {@code credential} how the broker obtains the credential it injects.
 */
public record Target(UUID id, String name, Protocol protocol, String environment, Set<String> tags,
                     Map<String, Object> endpoint, Map<String, Object> credential, Instant createdAt) {

    public Target {
        tags = Set.copyOf(tags);
        endpoint = Map.copyOf(endpoint);
        credential = Map.copyOf(credential);
    }
}
