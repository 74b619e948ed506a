package dev.portcullis.integrity;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.erdtman.jcs.JsonCanonicalizer;

import java.io.IOException;
import java.io.UncheckedIOException;

/** RFC 8785 (JSON Canonicalization Scheme) bytes of a JSON value built from maps, lists and scalars. */
public final class Canonical {

    private static final ObjectMapper JSON = new ObjectMapper();

    private Canonical() {
    }

    public static byte[] bytes(Object jsonValue) {
        try {
            return new JsonCanonicalizer(JSON.writeValueAsString(jsonValue)).getEncodedUTF8();
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a JSON value: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String string(Object jsonValue) {
        return new String(bytes(jsonValue), java.nio.charset.StandardCharsets.UTF_8);
    }
}
