package io.batchdiffusion.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;

class CredentialSettingsTest {

    private static final String SPARK_DEFAULT = "(?i)secret|password|token|access[.]?key";

    @Test
    void sparksDefaultPatternMissesAwsAccessKeyIdsAndIsExtended() {
        assertThat(Sessions.coversAll(SPARK_DEFAULT)).isFalse();
        SparkConf conf = new SparkConf(false).set(Sessions.REDACTION, SPARK_DEFAULT);
        assertThat(Sessions.extendRedaction(conf)).isTrue();
        String extended = conf.get(Sessions.REDACTION);
        assertThat(Sessions.coversAll(extended)).isTrue();
        assertThat(Pattern.compile(extended).matcher("spark.ssl.keyPassword").find())
                .as("what the user's pattern redacted stays redacted")
                .isTrue();
        assertThat(Sessions.extendRedaction(conf)).as("idempotent").isFalse();
        assertThat(conf.get(Sessions.REDACTION)).isEqualTo(extended);
    }

    @Test
    void aSessionWithoutAPatternGetsTheJobsPattern() {
        SparkConf conf = new SparkConf(false);
        Sessions.extendRedaction(conf);
        assertThat(conf.get(Sessions.REDACTION)).isEqualTo(Sessions.REDACTION_REGEX);
    }

    @Test
    void thePatternInSparkDefaultsConfCoversEveryCredentialSetting() throws Exception {
        Path defaults = Path.of("").toAbsolutePath();
        while (!Files.isRegularFile(defaults.resolve("conf/spark-defaults.conf"))) {
            defaults = defaults.getParent();
        }
        String regex = Files.readAllLines(defaults.resolve("conf/spark-defaults.conf")).stream()
                .filter(line -> line.startsWith(Sessions.REDACTION))
                .map(line -> line.substring(Sessions.REDACTION.length()).strip())
                .findFirst()
                .orElseThrow();
        assertThat(regex).isEqualTo(Sessions.REDACTION_REGEX);
        assertThat(Sessions.coversAll(regex)).isTrue();
        for (String harmless : new String[] {"spark.app.name", "spark.master", "fs.s3a.endpoint", "fs.s3a.impl"}) {
            assertThat(Pattern.compile(regex).matcher(harmless).find())
                    .as(harmless)
                    .isFalse();
        }
    }

    @Test
    void credentialsWrittenIntoALocationAreRefusedWithoutRepeatingThem() {
        assertThatThrownBy(() -> JobOptions.parse(
                        "--catalogue", "s3a://AKIDSENTINEL:secretSENTINEL@bucket/c.parquet",
                        "--output", "/tmp/out",
                        "--model", "/tmp/model"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("--catalogue: credentials in the location are not accepted")
                .hasMessageNotContaining("SENTINEL");
        assertThatThrownBy(() -> JobOptions.parse(
                        "--catalogue", "/tmp/c.parquet", "--output", "s3a://k:s@bucket/out", "--model", "/tmp/m"))
                .hasMessageStartingWith("--output:");
        JobOptions.parse("--catalogue", "s3a://bucket/a@b.parquet", "--output", "/tmp/out", "--model", "/tmp/m");
    }
}
