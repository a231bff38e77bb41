package io.batchdiffusion.jobs;

import java.util.List;
import java.util.regex.Pattern;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkEnv;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Builds the job's SparkSession with the settings every run needs, and checks sessions made elsewhere. */
final class Sessions {

    private static final Logger LOG = LoggerFactory.getLogger(Sessions.class);

    static final String REDACTION = "spark.redaction.regex";

    /**
     * Spark's default redaction pattern plus the S3A credential keys (any {@code fs.s3a.*} key, session
     * token or credential, per-bucket ones too) and AWS environment variables, so they never show in the
     * UI, the event log or logged configurations. conf/spark-defaults.conf carries the same pattern.
     */
    static final String REDACTION_REGEX = "(?i)secret|password|token|access[.]?key|api[.]key"
            + "|fs[.]s3a[.].*(key|session|credential|token)|AWS_[A-Z_]+";

    /** Settings that must be redacted whatever pattern the session started with. */
    static final List<String> MUST_REDACT = List.of(
            "spark.hadoop.fs.s3a.access.key",
            "spark.hadoop.fs.s3a.secret.key",
            "spark.hadoop.fs.s3a.session.token",
            "spark.hadoop.fs.s3a.bucket.b.secret.key",
            "spark.hadoop.fs.s3a.encryption.key",
            "fs.s3a.access.key",
            "fs.s3a.secret.key",
            "fs.s3a.session.token",
            "spark.executorEnv.AWS_ACCESS_KEY_ID",
            "spark.executorEnv.AWS_SECRET_ACCESS_KEY",
            "spark.executorEnv.AWS_SESSION_TOKEN",
            "spark.yarn.appMasterEnv.AWS_ACCESS_KEY_ID");

    private Sessions() {}

    static SparkSession create(String appName) {
        SparkConf conf = new SparkConf(true).setAppName(appName);
        if (!conf.contains("spark.master")) {
            conf.setMaster("local[*]");
        }
        extendRedaction(conf);
        return SparkSession.builder().config(conf).getOrCreate();
    }

    /**
     * Extends the redaction pattern of a session someone else built (spark-submit without our
     * properties file, a notebook, a test) on its live configuration, which the event log and the UI
     * consult on every later event. What Spark logged when the session started (its environment event)
     * used the pattern it started with: hence the same pattern in conf/spark-defaults.conf.
     */
    static void extendRedaction(SparkSession spark) {
        SparkEnv env = SparkEnv.get();
        SparkConf live = env != null ? env.conf() : spark.sparkContext().getConf();
        if (extendRedaction(live)) {
            LOG.warn(
                    "{} of this session did not cover every credential setting; extended it for the rest of the"
                            + " session (set it at submit time, as conf/spark-defaults.conf does, to cover the"
                            + " settings Spark logs at start-up)",
                    REDACTION);
        }
    }

    /** Makes {@code conf}'s pattern cover {@link #MUST_REDACT}; returns whether it had to change it. */
    static boolean extendRedaction(SparkConf conf) {
        String current = conf.get(REDACTION, "");
        if (!current.isEmpty() && coversAll(current)) {
            return false;
        }
        conf.set(REDACTION, current.isEmpty() ? REDACTION_REGEX : "(" + current + ")|" + REDACTION_REGEX);
        return true;
    }

    static boolean coversAll(String regex) {
        Pattern pattern = Pattern.compile(regex);
        return MUST_REDACT.stream().allMatch(key -> pattern.matcher(key).find());
    }
}
