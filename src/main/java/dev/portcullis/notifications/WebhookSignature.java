package dev.portcullis.notifications;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * How a webhook delivery is signed: {@code X-Portcullis-Signature: sha256=<hex>} is HMAC-SHA256, keyed with the
 * receiver's secret, over {@code <X-Portcullis-Timestamp> + "." + <body>}. The timestamp (Unix seconds) is inside
 * the signature, so a receiver that refuses old timestamps refuses replays.
 */
public final class WebhookSignature {

    public static final String SIGNATURE_HEADER = "X-Portcullis-Signature";
    public static final String TIMESTAMP_HEADER = "X-Portcullis-Timestamp";
    public static final String EVENT_HEADER = "X-Portcullis-Event";
    public static final String DELIVERY_HEADER = "X-Portcullis-Delivery";

    private WebhookSignature() {
    }

    public static String sign(String secret, long timestamp, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            mac.update((timestamp + ".").getBytes(StandardCharsets.US_ASCII));
            return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JRE", e);
        }
    }

    /** What a receiver does: recompute, compare in constant time, and refuse timestamps outside its tolerance. */
    public static boolean verify(String secret, String timestampHeader, byte[] body, String signatureHeader,
                                 long nowSeconds, long toleranceSeconds) {
        long timestamp;
        try {
            timestamp = Long.parseLong(timestampHeader);
        } catch (NumberFormatException | NullPointerException e) {
            return false;
        }
        if (Math.abs(nowSeconds - timestamp) > toleranceSeconds || signatureHeader == null) {
            return false;
        }
        return MessageDigest.isEqual(sign(secret, timestamp, body).getBytes(StandardCharsets.US_ASCII),
                signatureHeader.getBytes(StandardCharsets.US_ASCII));
    }
}
