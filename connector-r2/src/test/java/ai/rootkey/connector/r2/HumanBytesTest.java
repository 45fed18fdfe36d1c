package ai.rootkey.connector.r2;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class HumanBytesTest {

    @Test
    void format_keepsOneDecimalBelowAHundred() {
        assertThat(HumanBytes.format(812)).isEqualTo("812 B");
        assertThat(HumanBytes.format(1024)).isEqualTo("1.0 KiB");
        assertThat(HumanBytes.format(5L << 30)).isEqualTo("5.0 GiB");
        assertThat(HumanBytes.format(8_912_896)).isEqualTo("8.5 MiB");
        assertThat(HumanBytes.format(500L << 20)).isEqualTo("500 MiB");
    }

    @Test
    void formatTrimmed_dropsTheDecimalOfWholeValues() {
        assertThat(HumanBytes.formatTrimmed(812)).isEqualTo("812 B");
        assertThat(HumanBytes.formatTrimmed(1 << 20)).isEqualTo("1 MiB");
        assertThat(HumanBytes.formatTrimmed(8_912_896)).isEqualTo("8.5 MiB");
        assertThat(HumanBytes.formatTrimmed(500L << 20)).isEqualTo("500 MiB");
        assertThat(HumanBytes.formatTrimmed(2048L << 40)).isEqualTo("2048 TiB");
    }
}
