package io.batchdiffusion.jobs.report

import java.net.URI
import java.net.http.{HttpClient, HttpRequest, HttpResponse, WebSocket}
import java.nio.file.{Files, Path, Paths}
import java.util.Base64
import java.util.concurrent.{CompletableFuture, CompletionStage, ConcurrentHashMap, LinkedBlockingQueue, TimeUnit}
import java.util.concurrent.atomic.AtomicInteger

import scala.jdk.CollectionConverters._

import com.fasterxml.jackson.databind.{JsonNode, ObjectMapper}

/**
 * Debian's headless Chromium driven over the DevTools protocol with the JDK's WebSocket client: loads a
 * page, records every console error, exception and failed load, reports each image's natural size and
 * takes a full-page screenshot. The page itself needs no script for any of it.
 */
final class HeadlessChromium private (process: Process, socket: WebSocket, inbox: HeadlessChromium.Inbox)
    extends AutoCloseable {

  import HeadlessChromium._

  private val ids = new AtomicInteger()

  def call(method: String, params: (String, Any)*): JsonNode = {
    val id = ids.incrementAndGet()
    val message = Json.createObjectNode().put("id", id).put("method", method)
    message.set[JsonNode]("params", Json.valueToTree[JsonNode](params.toMap.asJava))
    val reply = inbox.expect(id)
    socket.sendText(Json.writeValueAsString(message), true).get(30, TimeUnit.SECONDS)
    val answer = reply.get(120, TimeUnit.SECONDS)
    if (answer.has("error")) throw new IllegalStateException(s"$method failed: ${answer.get("error")}")
    answer.path("result")
  }

  /** Opens {@code url} at the given viewport width and waits for its load event (images included). */
  def load(url: String, width: Int = 1280, height: Int = 900): PageLoad = {
    Seq("Page.enable", "Runtime.enable", "Log.enable", "Network.enable").foreach(call(_))
    call("Emulation.setDeviceMetricsOverride", "width" -> width, "height" -> height, "deviceScaleFactor" -> 1,
      "mobile" -> false)
    inbox.events.clear()
    call("Page.navigate", "url" -> url)
    val deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120)
    val seen = scala.collection.mutable.ArrayBuffer[JsonNode]()
    while (!seen.exists(_.path("method").asText == "Page.loadEventFired")) {
      val left = deadline - System.nanoTime()
      val event = inbox.events.poll(math.max(left, 0), TimeUnit.NANOSECONDS)
      if (event == null) throw new IllegalStateException(s"$url did not finish loading within 120 s")
      seen += event
    }
    val images = evaluate(
      """JSON.stringify(Array.from(document.images).map(i =>
        |  ({src: i.getAttribute('src'), complete: i.complete, naturalWidth: i.naturalWidth})))""".stripMargin)
    val text = evaluate("document.body.innerText")
    inbox.events.drainTo(seen.asJava)
    val errors = seen.toSeq.flatMap(problem)
    PageLoad(errors, Json.readTree(images).elements().asScala.map { i =>
      LoadedImage(i.path("src").asText, i.path("complete").asBoolean, i.path("naturalWidth").asInt)
    }.toSeq, text)
  }

  /** A PNG of the whole page, or of its first {@code maxHeight} CSS pixels. */
  def screenshot(maxHeight: Int = Int.MaxValue): Array[Byte] = {
    val size = call("Page.getLayoutMetrics").path("cssContentSize")
    val clip = Map("x" -> 0, "y" -> 0, "width" -> size.path("width").asDouble,
      "height" -> math.min(size.path("height").asDouble, maxHeight.toDouble), "scale" -> 1).asJava
    val shot = call("Page.captureScreenshot", "format" -> "png", "captureBeyondViewport" -> true, "clip" -> clip)
    Base64.getDecoder.decode(shot.path("data").asText)
  }

  private def evaluate(expression: String): String =
    call("Runtime.evaluate", "expression" -> expression, "returnByValue" -> true).path("result").path("value").asText

  override def close(): Unit = {
    try socket.sendClose(WebSocket.NORMAL_CLOSURE, "").get(5, TimeUnit.SECONDS)
    catch { case _: Exception => }
    val children = process.descendants().iterator().asScala.toSeq
    process.destroy()
    if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly()
    children.foreach(_.destroy())
  }
}

object HeadlessChromium {

  final case class LoadedImage(src: String, complete: Boolean, naturalWidth: Int)

  /** Problems the page caused (console errors, exceptions, failed loads) and what it shows. */
  final case class PageLoad(problems: Seq[String], images: Seq[LoadedImage], text: String)

  private val Json = new ObjectMapper()

  /** The flags NOTES.md records for Debian's package running as root in a container. */
  private val Flags = Seq("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-quic",
    "--hide-scrollbars", "--remote-debugging-port=0", "--remote-allow-origins=*")

  /** The browser to use: $CHROMIUM, or chromium / chromium-browser / google-chrome on the PATH. */
  def executable(): Option[Path] = {
    val fromEnv = sys.env.get("CHROMIUM").map(Paths.get(_)).filter(Files.isExecutable)
    fromEnv.orElse {
      val dirs = sys.env.getOrElse("PATH", "").split(java.io.File.pathSeparator).toSeq.map(Paths.get(_))
      Seq("chromium", "chromium-browser", "google-chrome").iterator
        .flatMap(name => dirs.map(_.resolve(name)))
        .find(Files.isExecutable)
    }
  }

  def start(browser: Path, work: Path): HeadlessChromium = {
    val profile = Files.createDirectories(work.resolve("profile"))
    val log = work.resolve("chromium.log")
    val process = new ProcessBuilder((browser.toString +: Flags :+ s"--user-data-dir=$profile" :+ "about:blank").asJava)
      .redirectErrorStream(true).redirectOutput(log.toFile).start()
    try {
      val port = devToolsPort(profile, process, log)
      val http = HttpClient.newHttpClient()
      val targets = Json.readTree(http.send(
        HttpRequest.newBuilder(URI.create(s"http://127.0.0.1:$port/json/list")).build(),
        HttpResponse.BodyHandlers.ofString()).body())
      val page = targets.elements().asScala.find(_.path("type").asText == "page")
        .getOrElse(throw new IllegalStateException(s"Chromium has no page target: $targets"))
      val inbox = new Inbox
      val socket = http.newWebSocketBuilder()
        .buildAsync(URI.create(page.path("webSocketDebuggerUrl").asText), inbox).get(30, TimeUnit.SECONDS)
      new HeadlessChromium(process, socket, inbox)
    } catch {
      case e: Exception =>
        process.destroyForcibly()
        throw e
    }
  }

  /** Chromium writes the port it chose to DevToolsActivePort once DevTools listens. */
  private def devToolsPort(profile: Path, process: Process, log: Path): Int = {
    val file = profile.resolve("DevToolsActivePort")
    val deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60)
    while (System.nanoTime() < deadline) {
      if (Files.exists(file)) {
        val lines = Files.readAllLines(file)
        if (!lines.isEmpty && lines.get(0).nonEmpty) return lines.get(0).trim.toInt
      }
      if (!process.isAlive) throw new IllegalStateException(
        s"Chromium exited with ${process.exitValue()} before DevTools listened:\n${Files.readString(log)}")
      Thread.sleep(100)
    }
    throw new IllegalStateException(s"Chromium's DevTools did not start within 60 s:\n${Files.readString(log)}")
  }

  private def problem(event: JsonNode): Option[String] = {
    val params = event.path("params")
    event.path("method").asText match {
      case "Runtime.exceptionThrown" => Some("exception: " + params.path("exceptionDetails"))
      case "Runtime.consoleAPICalled" if Set("error", "assert")(params.path("type").asText) =>
        Some("console." + params.path("type").asText + ": " + params.path("args"))
      case "Log.entryAdded" if params.path("entry").path("level").asText == "error" =>
        Some("log: " + params.path("entry").path("text").asText + " " + params.path("entry").path("url").asText)
      case "Network.loadingFailed" => Some("load failed: " + params)
      case _ => None
    }
  }

  /** Replies by id and events in arrival order; messages may arrive in fragments. */
  private final class Inbox extends WebSocket.Listener {
    val events = new LinkedBlockingQueue[JsonNode]()
    private val replies = new ConcurrentHashMap[Int, CompletableFuture[JsonNode]]()
    private val partial = new StringBuilder

    def expect(id: Int): CompletableFuture[JsonNode] = replies.computeIfAbsent(id, _ => new CompletableFuture())

    override def onText(socket: WebSocket, data: CharSequence, last: Boolean): CompletionStage[_] = {
      partial.append(data)
      if (last) {
        val message = Json.readTree(partial.toString)
        partial.clear()
        if (message.has("id")) expect(message.get("id").asInt).complete(message)
        else events.add(message)
      }
      socket.request(1)
      null
    }
  }
}
