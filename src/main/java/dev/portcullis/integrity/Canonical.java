package dev.portcullis.integrity;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import org.erdtman.jcs.JsonCanonicalizer;

import java.io.IOException;
import java.util.Arrays;

/** RFC 8785 (JSON Canonicalization Scheme) bytes of a JSON value built from maps, lists and scalars. */
public final class Canonical {

    // NaN and Infinity are written bare so that the canonicalizer refuses them (RFC 8785 3.2.2.3);
    // by default Jackson writes them as the strings "NaN" and "Infinity", which digest like strings.
    private static final ObjectMapper JSON = JsonMapper.builder().disable(JsonWriteFeature.WRITE_NAN_AS_STRINGS).build();

    private Canonical() {
    }

    public static byte[] bytes(Object jsonValue) {
        try {
            // The canonicalizer accepts only an object or an array at the top; RFC 8785 accepts any
            // value. A one-element array canonicalises to '[' + the element + ']', so unwrap that.
            byte[] wrapped = new JsonCanonicalizer("[" + JSON.writeValueAsString(jsonValue) + "]").getEncodedUTF8();
            return Arrays.copyOfRange(wrapped, 1, wrapped.length - 1);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a JSON value: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            // the canonicalizer only reads the string above, so this is a value JSON cannot carry
            throw new IllegalArgumentException("not a JSON value: " + e.getMessage(), e);
        }
    }

    public static String string(Object jsonValue) {
        return new String(bytes(jsonValue), java.nio.charset.StandardCharsets.UTF_8);
    }
}
