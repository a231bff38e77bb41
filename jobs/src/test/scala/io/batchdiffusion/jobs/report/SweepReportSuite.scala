package io.batchdiffusion.jobs.report

import java.nio.charset.StandardCharsets
import java.nio.file.{Files, Path, Paths}

import scala.jdk.CollectionConverters._

import io.batchdiffusion.jobs.{JobOptions, RenderJob, SparkSuite}
import org.apache.spark.sql.Row
import org.apache.spark.sql.types._

class SweepReportSuite extends SparkSuite {

  private def options(extra: String*): JobOptions = JobOptions.parse(
    (Seq("--catalogue", sampleCatalogue.toString, "--output", tmp.resolve("out").toString,
      "--model", defaultModel.toString, "--num-inference-steps", "4", "--progress-seconds", "30") ++ extra): _*)

  /** Opens a report in headless Chromium; CI installs the browser, so its absence is a failure. */
  private def inBrowser[T](report: Path)(check: (HeadlessChromium, HeadlessChromium.PageLoad) => T): T = {
    val browser = HeadlessChromium.executable().getOrElse(fail(
      "headless Chromium is needed to check the report: install Debian's chromium package " +
        "(apt-get install -y chromium; .ci/run does) or set CHROMIUM to the browser's path"))
    val chromium = HeadlessChromium.start(browser, Files.createTempDirectory(tmp, "chromium"))
    try check(chromium, chromium.load(report.toUri.toString))
    finally chromium.close()
  }

  private def sheetFiles(report: Path): Set[String] =
    Files.list(report.resolve("sheets")).iterator().asScala.map(_.getFileName.toString)
      .filter(name => name.endsWith(".png") && !name.startsWith(".")).map("sheets/" + _).toSet // not Hadoop's .crc

  test("a sweep's report opens in Chromium without errors and shows the chart and every prompt's contact sheet") {
    val summary = RenderJob.run(spark, options("--run-id", "sweep", "--seeds", "0-1", "--guidance", "1,4,7.5"))
    assert(summary.rows === 8 * 2 * 3)
    val report = tmp.resolve("out/sweep/report")
    val html = Files.readString(report.resolve("index.html"))
    assert(!html.contains("<script") && !html.contains("http://") && !html.contains("https://"),
      "the page is self-contained")
    val sheets = sheetFiles(report)
    assert(sheets.size === 8, "one contact sheet per catalogue row")

    inBrowser(report.resolve("index.html")) { (chromium, page) =>
      assert(page.problems.isEmpty, page.problems.mkString("\n"))
      val broken = page.images.filter(i => !i.complete || i.naturalWidth == 0)
      assert(broken.isEmpty, s"images that did not load: $broken")
      val shown = page.images.map(_.src).toSet
      assert(shown.contains("chart.png"), "the score chart is on the page")
      assert(sheets.subsetOf(shown), s"sheets missing from the page: ${sheets -- shown}")
      assert(page.text.contains(summary.model.fingerprint))
      assert(page.text.contains("Highest mean CLIP score") && page.text.contains("Lowest mean CLIP score"))
      Seq("colour", "position", "composition", "all prompts").foreach(c => assert(page.text.contains(c), c))
      val screenshot = chromium.screenshot()
      Files.write(Paths.get("target/sweep-report.png"), screenshot)
      Files.write(Paths.get("target/sweep-report-top.png"), chromium.screenshot(maxHeight = 2000))
      assert(screenshot.length > 10000)
    }
  }

  test("a plain render run with --report gets a page with a sheet per prompt, no chart, and its failures listed") {
    val schema = StructType(Seq(StructField("id", StringType), StructField("prompt", StringType),
      StructField("width", IntegerType)))
    val data = Seq(Row("good", "a red circle", null), Row("<odd & wide>", "a blue square", 33))
    val path = tmp.resolve("plain.parquet").toString
    spark.createDataFrame(data.asJava, schema).coalesce(1).write.parquet(path)
    val summary = RenderJob.run(spark, JobOptions.parse("--catalogue", path, "--output", tmp.resolve("out").toString,
      "--model", defaultModel.toString, "--num-inference-steps", "4", "--run-id", "plain", "--report"))
    assert(summary.countsByStatus.asScala.toMap === Map("OK" -> 1L, "INVALID_INPUT" -> 1L))
    val report = tmp.resolve("out/plain/report")
    assert(!Files.exists(report.resolve("chart.png")), "one guidance scale is no curve")
    assert(sheetFiles(report).size === 2)
    val html = Files.readString(report.resolve("index.html"), StandardCharsets.UTF_8)
    assert(html.contains("&lt;odd &amp; wide&gt;") && !html.contains("<odd & wide>"), "row ids are escaped")

    inBrowser(report.resolve("index.html")) { (_, page) =>
      assert(page.problems.isEmpty, page.problems.mkString("\n"))
      assert(page.images.nonEmpty && page.images.forall(_.naturalWidth > 0), page.images)
      assert(page.text.contains("Renders that did not succeed"))
      assert(page.text.contains("width 33 is not a positive multiple of 8"))
      assert(page.text.contains("none: one render per catalogue row"))
    }
  }

  test("the browser check itself catches an image that does not load and a console error") {
    val page = Files.createDirectories(tmp.resolve("broken")).resolve("index.html")
    Files.writeString(page, "<!doctype html><html><body><img src=\"missing.png\">" +
      "<script>console.error('boom')</script></body></html>")
    inBrowser(page) { (_, load) =>
      assert(load.images.map(i => i.src -> i.naturalWidth) === Seq("missing.png" -> 0))
      assert(load.problems.exists(_.contains("missing.png")), load.problems)
      assert(load.problems.exists(_.contains("boom")), load.problems)
    }
  }
}
