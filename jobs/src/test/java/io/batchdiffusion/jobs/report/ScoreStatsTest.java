package io.batchdiffusion.jobs.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class ScoreStatsTest {

    @Test
    void tQuantilesMatchTheTableAndApproachTheNormalQuantile() {
        // scipy.stats.t.ppf(0.975, df) for df = 1, 4, 30, 31, 60, 120, 10**6
        assertThat(ScoreStats.tQuantile975(1)).isCloseTo(12.7062, within(1e-3));
        assertThat(ScoreStats.tQuantile975(4)).isCloseTo(2.7764, within(1e-3));
        assertThat(ScoreStats.tQuantile975(30)).isCloseTo(2.0423, within(1e-3));
        assertThat(ScoreStats.tQuantile975(31)).isCloseTo(2.0395, within(1e-3));
        assertThat(ScoreStats.tQuantile975(60)).isCloseTo(2.0003, within(1e-3));
        assertThat(ScoreStats.tQuantile975(120)).isCloseTo(1.9799, within(1e-3));
        assertThat(ScoreStats.tQuantile975(1_000_000)).isCloseTo(1.9600, within(1e-3));
        assertThatThrownBy(() -> ScoreStats.tQuantile975(0)).hasMessageContaining("degrees of freedom");
    }

    @Test
    void theIntervalIsTheMeanPlusOrMinusTTimesTheStandardError() {
        // mean 3, sample sd sqrt(2.5), n 5: half width 2.7764 * 1.5811 / sqrt(5) = 1.9632
        ScoreStats stats = ScoreStats.of(List.of(1.0, 2.0, 3.0, 4.0, 5.0));
        assertThat(stats.n()).isEqualTo(5);
        assertThat(stats.mean()).isEqualTo(3.0);
        assertThat(stats.halfWidth()).isCloseTo(1.9632, within(1e-3));
        assertThat(stats.low()).isCloseTo(3.0 - 1.9632, within(1e-3));
    }

    @Test
    void oneScoreIsItsOwnInterval() {
        ScoreStats stats = ScoreStats.of(List.of(27.5));
        assertThat(stats.low()).isEqualTo(27.5);
        assertThat(stats.high()).isEqualTo(27.5);
    }
}
