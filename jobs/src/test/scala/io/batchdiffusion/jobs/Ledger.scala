package io.batchdiffusion.jobs

import java.nio.charset.StandardCharsets

import com.fasterxml.jackson.databind.ObjectMapper

/** One row of a run's results table, as the ledger checks it. */
final case class ResultEntry(key: String, status: String, sha256: String)

/** What one ledger check saw: keys checked, objects listed, and the two numbers that must stay 0. */
final case class LedgerCount(keysChecked: Int, objectsListed: Int, rowsLost: Int, rowsDuplicated: Int)

/**
 * Every object of a bucket, read straight from the store behind the S3 server (no S3A, no proxy),
 * against what a run must have left: each expected image present exactly once under
 * `<run>/images/<key>.png`, complete, with the sha256 of a clean reference run; no copy of a key
 * anywhere else; nothing outside the run prefixes; no pending multipart upload; no lock, temporary or
 * committer leftovers; one manifest; and a results table with one row per render, OK rows matching
 * their objects.
 */
final class Ledger(s3: S3TestServer, bucket: String) {

  private def objects(prefix: String = ""): Seq[String] = s3.list(bucket, prefix).filterNot(_.endsWith("/"))

  /** sha256 of each image under `runPrefix/images/`, by render key. */
  def images(runPrefix: String): Map[String, String] =
    objects(s"$runPrefix/images/").filter(_.endsWith(".png")).map { name =>
      name.stripPrefix(s"$runPrefix/images/").stripSuffix(".png") -> RenderKeys.sha256Hex(s3.get(bucket, name))
    }.toMap

  /**
   * Fails (with every problem listed) unless the bucket holds exactly what the run must leave.
   *
   * @param expected     render key -> sha256 of every image the run must hold (its OK rows)
   * @param results      the run's results table
   * @param expectedRows rows the results table and the manifest must count
   * @param otherRuns    other run prefixes this bucket may hold (themselves checked separately)
   */
  def check(
      runPrefix: String,
      expected: Map[String, String],
      results: Seq[ResultEntry],
      expectedRows: Int,
      otherRuns: Set[String] = Set.empty): LedgerCount = {
    val problems = Seq.newBuilder[String]
    val all = objects()
    val runs = otherRuns + runPrefix
    val outside = all.filterNot(k => runs.exists(r => k.startsWith(s"$r/")))
    if (outside.nonEmpty) problems += s"objects outside the run prefixes: ${outside.mkString(", ")}"

    val mine = all.filter(_.startsWith(s"$runPrefix/"))
    val imagePaths = mine.filter(_.startsWith(s"$runPrefix/images/"))
    val malformed = imagePaths.filterNot(_.matches(s"\\Q$runPrefix\\E/images/[0-9a-f]{64}\\.png"))
    if (malformed.nonEmpty) problems += s"objects under images/ that are not <sha256>.png: ${malformed.mkString(", ")}"
    val present = imagePaths.map(_.stripPrefix(s"$runPrefix/images/").stripSuffix(".png")).toSet
    val lost = expected.keySet -- present
    val unexpected = present -- expected.keySet
    if (lost.nonEmpty) problems += s"${lost.size} expected images missing: ${lost.mkString(", ")}"
    if (unexpected.nonEmpty) problems += s"${unexpected.size} images no OK row expects: ${unexpected.mkString(", ")}"
    expected.foreach { case (key, sha) =>
      if (present(key)) {
        val png = s3.get(bucket, s"$runPrefix/images/$key.png")
        if (!ImageStore.isCompletePng(png)) problems += s"$key.png is not a complete PNG"
        if (RenderKeys.sha256Hex(png) != sha) problems += s"$key.png differs from the reference run's bytes"
      }
    }
    // Any other object naming a key (a temporary copy, a second upload) is a duplicate.
    val copies = all.filterNot(k => otherRuns.exists(r => k.startsWith(s"$r/")))
      .filter(k => expected.keySet.exists(k.contains)).filterNot(k => k.startsWith(s"$runPrefix/images/"))
    if (copies.nonEmpty) problems += s"other copies of rendered keys: ${copies.mkString(", ")}"

    val leftovers = mine.filter(k => Seq("_run.lock", "__magic", "_temporary", "/_tmp/").exists(k.contains))
    if (leftovers.nonEmpty) problems += s"lock, temporary or committer leftovers: ${leftovers.mkString(", ")}"
    val pending = s3.pendingUploads(bucket)
    if (pending.nonEmpty) problems += s"pending multipart uploads: ${pending.mkString(", ")}"

    val manifests = all.filter(_.endsWith("manifest.json")).filter(_.startsWith(s"$runPrefix/"))
    if (manifests != Seq(s"$runPrefix/manifest.json")) problems += s"manifests: ${manifests.mkString(", ")} (one expected)"
    else {
      val manifest = new ObjectMapper().readTree(new String(s3.get(bucket, manifests.head), StandardCharsets.UTF_8))
      if (manifest.path("rows").asLong != expectedRows) problems += s"manifest counts ${manifest.path("rows")} rows"
    }

    val duplicatedRows = results.size - results.map(_.key).distinct.size
    if (results.size != expectedRows) problems += s"results table has ${results.size} rows, expected $expectedRows"
    if (duplicatedRows > 0) problems += s"$duplicatedRows duplicated result rows"
    val byKey = results.groupBy(_.key)
    expected.foreach { case (key, sha) =>
      byKey.get(key) match {
        case Some(Seq(row)) if row.status == "OK" && row.sha256 == sha => ()
        case other => problems += s"result row of $key: $other (expected one OK row with the reference sha256)"
      }
    }
    results.filter(r => r.status == "OK" && !expected.contains(r.key)).foreach(r => problems += s"unexpected OK row $r")

    val found = problems.result()
    assert(found.isEmpty, s"ledger of s3://$bucket/$runPrefix:\n  ${found.mkString("\n  ")}")
    LedgerCount(expected.size, all.size, lost.size, duplicatedRows + copies.size)
  }
}
