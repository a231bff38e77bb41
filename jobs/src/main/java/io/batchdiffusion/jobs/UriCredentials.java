package io.batchdiffusion.jobs;

import java.util.regex.Pattern;

/**
 * Refuses credentials written into a location ({@code s3a://KEY:SECRET@bucket/...}): they would
 * travel in the job's options into logs, the manifest and Spark's UI. The message never repeats them.
 */
final class UriCredentials {

    private static final Pattern USER_INFO = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*@");

    private UriCredentials() {}

    static void refuse(String flag, String uri) {
        if (uri != null && USER_INFO.matcher(uri).find()) {
            throw new IllegalArgumentException("--" + flag + ": credentials in the location are not accepted; give"
                    + " them through Hadoop's providers (environment, instance profile or fs.s3a.* settings)");
        }
    }
}
