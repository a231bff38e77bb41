package io.batchdiffusion.jobs;

import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/** Builds the job's SparkSession with the settings every run needs. */
final class Sessions {

    /**
     * Spark's default redaction pattern plus the S3A credential keys and AWS environment variables, so
     * they never show in the UI, the event log or logged configurations.
     */
    static final String REDACTION_REGEX =
            "(?i)secret|password|token|access[.]key|api[.]key|fs[.]s3a[.].*(key|session|credential|token)|AWS_[A-Z_]+";

    private Sessions() {}

    static SparkSession create(String appName) {
        SparkConf conf = new SparkConf(true).setAppName(appName);
        if (!conf.contains("spark.master")) {
            conf.setMaster("local[*]");
        }
        String regex = conf.get("spark.redaction.regex", "");
        conf.set("spark.redaction.regex", regex.isEmpty() ? REDACTION_REGEX : "(" + regex + ")|" + REDACTION_REGEX);
        return SparkSession.builder().config(conf).getOrCreate();
    }
}
