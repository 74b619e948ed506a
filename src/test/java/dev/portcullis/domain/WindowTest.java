package dev.portcullis.domain;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WindowTest {

    private static final Instant START = Instant.parse("2025-03-01T10:00:00Z");
    private static final Instant END = Instant.parse("2025-03-01T12:00:00Z");
    private final Window window = new Window(START, END);

    @Test
    void windowIsHalfOpen() {
        assertThat(window.contains(START)).isTrue();
        assertThat(window.contains(END.minusNanos(1))).isTrue();
        assertThat(window.contains(END)).isFalse();
        assertThat(window.contains(START.minusNanos(1))).isFalse();
        assertThat(window.contains(END.plusSeconds(3600))).isFalse();
    }

    @Test
    void lengthIsEndMinusStart() {
        assertThat(window.length()).isEqualTo(Duration.ofHours(2));
    }

    @Test
    void remainingCountsDownToTheEnd() {
        assertThat(window.remaining(START)).isEqualTo(Duration.ofHours(2));
        assertThat(window.remaining(START.plusSeconds(90 * 60))).isEqualTo(Duration.ofMinutes(30));
        assertThat(window.remaining(END.minusMillis(1))).isEqualTo(Duration.ofMillis(1));
    }

    @Test
    void remainingBeforeTheStartRunsToTheEnd() {
        assertThat(window.remaining(START.minusSeconds(60))).isEqualTo(Duration.ofHours(2).plusMinutes(1));
    }

    @Test
    void remainingIsNeverNegative() {
        assertThat(window.remaining(END)).isEqualTo(Duration.ZERO);
        assertThat(window.remaining(END.plusNanos(1))).isEqualTo(Duration.ZERO);
        assertThat(window.remaining(END.plus(Duration.ofDays(365)))).isEqualTo(Duration.ZERO);
    }

    @Test
    void endMustBeAfterStart() {
        assertThatThrownBy(() -> new Window(START, START))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("after its start");
        assertThatThrownBy(() -> new Window(END, START)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void oneNanosecondIsAValidWindow() {
        Window tiny = new Window(START, START.plusNanos(1));
        assertThat(tiny.contains(START)).isTrue();
        assertThat(tiny.contains(START.plusNanos(1))).isFalse();
    }
}
