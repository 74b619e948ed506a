package dev.portcullis.access;

import java.time.Instant;
import java.util.Map;

/** A request as filed or amended by a vendor, before the broker has checked and bound it. */
public record RequestSpec(String ticket, String executor, String target, Map<String, Object> scope, String changeClass,
                          Instant notBefore, Instant notAfter, int maxSessions, String expectedOutcome,
                          String rollbackPlan, boolean emergency) {
}
