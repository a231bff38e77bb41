package io.batchdiffusion.jobs

import java.io.{BufferedInputStream, ByteArrayOutputStream, EOFException, InputStream, OutputStream}
import java.net.{InetAddress, ServerSocket, Socket, SocketException}
import java.nio.charset.StandardCharsets
import java.util.concurrent.{ConcurrentHashMap, CopyOnWriteArrayList}
import java.util.concurrent.atomic.AtomicInteger

import scala.jdk.CollectionConverters._

/**
 * An HTTP/1.1 proxy on loopback in front of an S3 endpoint that injects the faults object stores
 * produce: a 503 SlowDown or a 500 InternalError answered instead of the request, or a connection
 * reset half way through a request body. Requests are forwarded byte for byte (the Host header too, so
 * AWS signatures still verify), each over a fresh upstream connection; clients keep theirs alive.
 *
 * A request's attempt number counts earlier requests with the same method and target, so a fault can
 * hit only first attempts; [[retriesObserved]] counts requests that arrived again after a fault.
 */
final class FaultyS3Proxy(upstreamPort: Int) extends AutoCloseable {
  import FaultyS3Proxy._

  private val server = new ServerSocket(0, 64, InetAddress.getLoopbackAddress)
  private val clients = new CopyOnWriteArrayList[Socket]()
  private val attempts = new ConcurrentHashMap[String, AtomicInteger]()
  private val faulted = ConcurrentHashMap.newKeySet[String]()
  private val injected = new ConcurrentHashMap[Fault, AtomicInteger]()
  private val retries = new AtomicInteger()
  private val requests = new AtomicInteger()
  @volatile private var rules: Seq[Rule] = Seq.empty
  @volatile private var closed = false

  private val acceptor = new Thread(() => acceptLoop(), "faulty-s3-proxy")
  acceptor.setDaemon(true)
  acceptor.start()

  def endpoint: String = s"http://127.0.0.1:${server.getLocalPort}"

  /** Replaces the fault rules; the first rule that matches a request decides its fault. */
  def inject(newRules: Rule*): Unit = rules = newRules

  def injectedCount(fault: Fault): Int = Option(injected.get(fault)).map(_.get).getOrElse(0)

  def faultsInjected: Int = injected.values().asScala.map(_.get).sum

  /** Requests that arrived for a method and target that had been answered with a fault before. */
  def retriesObserved: Int = retries.get

  def requestsSeen: Int = requests.get

  private def acceptLoop(): Unit =
    while (!closed) {
      try {
        val client = server.accept()
        clients.add(client)
        val t = new Thread(() => serve(client), "faulty-s3-proxy-client")
        t.setDaemon(true)
        t.start()
      } catch { case _: SocketException if closed => () }
    }

  /** Serves one client connection, request after request, until either side closes. */
  private def serve(client: Socket): Unit = {
    try {
      val in = new BufferedInputStream(client.getInputStream)
      val out = client.getOutputStream
      var open = true
      while (open && !closed) {
        readHead(in) match {
          case None => open = false
          case Some(head) => open = handle(head, in, out, client)
        }
      }
    } catch {
      case _: java.io.IOException => () // the client went away; it retries on a new connection
    } finally {
      clients.remove(client)
      try client.close() catch { case _: Exception => () }
    }
  }

  /** Forwards one request (or answers it with a fault); returns whether the client connection stays open. */
  private def handle(head: Head, in: InputStream, out: OutputStream, client: Socket): Boolean = {
    requests.incrementAndGet()
    val request = Request(head.method, head.target)
    val id = s"${head.method} ${head.target}"
    val attempt = attempts.computeIfAbsent(id, _ => new AtomicInteger()).incrementAndGet()
    if (faulted.contains(id)) retries.incrementAndGet()
    val fault = rules.find(r => (!r.firstAttemptOnly || attempt == 1) && r.matches(request)).map(_.fault)
    fault.foreach { f =>
      faulted.add(id)
      injected.computeIfAbsent(f, _ => new AtomicInteger()).incrementAndGet()
    }
    val expectsContinue = head.header("expect").exists(_.equalsIgnoreCase("100-continue"))
    fault match {
      case Some(f @ (SlowDown | InternalError)) =>
        // With Expect: 100-continue the client sends no body before an answer; otherwise drain it first.
        if (!expectsContinue) copyBody(head, in, OutputStream.nullOutputStream(), Long.MaxValue)
        out.write(errorResponse(f))
        out.flush()
        false
      case _ =>
        val upstream = new Socket(InetAddress.getLoopbackAddress, upstreamPort)
        try {
          val upIn = new BufferedInputStream(upstream.getInputStream)
          val upOut = upstream.getOutputStream
          upOut.write(head.bytes)
          upOut.flush()
          if (expectsContinue) {
            val interim = readHead(upIn).getOrElse(throw new EOFException("upstream closed"))
            out.write(interim.bytes)
            out.flush()
            if (interim.status != 100) {
              copyResponseBody(head, interim, upIn, out)
              out.flush()
              return false
            }
          }
          val limit = if (fault.contains(ResetMidBody)) bodyLength(head).map(_ / 2).getOrElse(0L) else Long.MaxValue
          val complete = copyBody(head, in, upOut, limit)
          if (!complete) {
            // Half the body went through: reset both connections, as a dropped link would.
            upstream.setSoLinger(true, 0)
            client.setSoLinger(true, 0)
            return false
          }
          upOut.flush()
          var response = readHead(upIn).getOrElse(throw new EOFException("upstream closed"))
          while (response.status == 100) response = readHead(upIn).getOrElse(throw new EOFException("upstream closed"))
          out.write(response.bytes)
          val keepAlive = copyResponseBody(head, response, upIn, out)
          out.flush()
          keepAlive && !head.header("connection").exists(_.equalsIgnoreCase("close"))
        } finally upstream.close()
    }
  }

  override def close(): Unit = {
    closed = true
    server.close()
    clients.asScala.foreach(c => try c.close() catch { case _: Exception => () })
  }
}

object FaultyS3Proxy {

  sealed trait Fault
  /** 503 SlowDown: S3's throttling answer. */
  case object SlowDown extends Fault
  /** 500 InternalError. */
  case object InternalError extends Fault
  /** The connection is reset after half the request body. */
  case object ResetMidBody extends Fault

  /** What a rule sees of a request: its method and target (path and query). */
  final case class Request(method: String, target: String) {
    def path: String = target.takeWhile(_ != '?')
    def query: String = target.dropWhile(_ != '?').drop(1)
  }

  final case class Rule(fault: Fault, matches: Request => Boolean, firstAttemptOnly: Boolean = true)

  /** CompleteMultipartUpload: a POST carrying an uploadId. */
  def isCompleteMultipart(r: Request): Boolean = r.method == "POST" && r.query.split('&').exists(_.startsWith("uploadId="))

  private final case class Head(bytes: Array[Byte], startLine: String, headers: Seq[(String, String)]) {
    private val parts = startLine.split(" ", 3)
    def method: String = parts(0)
    def target: String = if (parts.length > 1) parts(1) else ""
    def status: Int = if (startLine.startsWith("HTTP/")) parts(1).toInt else -1
    def header(name: String): Option[String] = headers.collectFirst { case (k, v) if k.equalsIgnoreCase(name) => v }
  }

  /** Reads a request or response head up to its blank line; None at a clean end of stream. */
  private def readHead(in: InputStream): Option[Head] = {
    val buffer = new ByteArrayOutputStream()
    var matched = 0
    while (matched < 4) {
      val b = in.read()
      if (b < 0) {
        if (buffer.size() == 0) return None
        throw new EOFException("stream ended inside an HTTP head")
      }
      buffer.write(b)
      matched = if (b == "\r\n\r\n".charAt(matched)) matched + 1 else if (b == '\r') 1 else 0
    }
    val bytes = buffer.toByteArray
    val lines = new String(bytes, StandardCharsets.ISO_8859_1).split("\r\n").toSeq
    val headers = lines.tail.filter(_.contains(':')).map { l =>
      val i = l.indexOf(':')
      l.take(i).trim -> l.drop(i + 1).trim
    }
    Some(Head(bytes, lines.head, headers))
  }

  private def chunked(head: Head): Boolean = head.header("transfer-encoding").exists(_.toLowerCase.contains("chunked"))

  private def bodyLength(head: Head): Option[Long] =
    if (chunked(head)) None else head.header("content-length").map(_.toLong)

  /** Copies a request body (by length or chunked) up to `limit` bytes; returns false when cut at the limit. */
  private def copyBody(head: Head, in: InputStream, out: OutputStream, limit: Long): Boolean =
    if (chunked(head)) { copyChunked(in, out); true }
    else {
      val length = bodyLength(head).getOrElse(0L)
      copyBytes(in, out, math.min(length, limit))
      length <= limit
    }

  /** Copies a response body; returns whether the connection may carry another exchange. */
  private def copyResponseBody(request: Head, response: Head, in: InputStream, out: OutputStream): Boolean = {
    val status = response.status
    if (request.method == "HEAD" || status == 204 || status == 304 || (status >= 100 && status < 200)) true
    else if (chunked(response)) { copyChunked(in, out); true }
    else response.header("content-length") match {
      case Some(n) => copyBytes(in, out, n.toLong); true
      case None => in.transferTo(out); false
    }
  }

  private def copyBytes(in: InputStream, out: OutputStream, count: Long): Unit = {
    val buffer = new Array[Byte](16384)
    var left = count
    while (left > 0) {
      val n = in.read(buffer, 0, math.min(buffer.length.toLong, left).toInt)
      if (n < 0) throw new EOFException(s"stream ended $left bytes before the body's end")
      out.write(buffer, 0, n)
      left -= n
    }
  }

  private def copyChunked(in: InputStream, out: OutputStream): Unit = {
    def line(): String = {
      val sb = new StringBuilder
      var b = in.read()
      while (b != '\n') {
        if (b < 0) throw new EOFException("stream ended inside a chunk header")
        if (b != '\r') sb.append(b.toChar)
        b = in.read()
      }
      out.write((sb.toString + "\r\n").getBytes(StandardCharsets.ISO_8859_1))
      sb.toString
    }
    var size = Integer.parseInt(line().takeWhile(_ != ';').trim, 16)
    while (size > 0) {
      copyBytes(in, out, size + 2L) // the data and its CRLF
      size = Integer.parseInt(line().takeWhile(_ != ';').trim, 16)
    }
    while (line().nonEmpty) () // trailers up to the blank line
  }

  private def errorResponse(fault: Fault): Array[Byte] = {
    val (status, reason, code, message) = fault match {
      case SlowDown => (503, "Slow Down", "SlowDown", "Please reduce your request rate.")
      case _ => (500, "Internal Server Error", "InternalError", "We encountered an internal error. Please try again.")
    }
    val body = s"""<?xml version="1.0" encoding="UTF-8"?><Error><Code>$code</Code><Message>$message</Message>""" +
      "<RequestId>faulty-s3-proxy</RequestId></Error>"
    val bytes = body.getBytes(StandardCharsets.UTF_8)
    (s"HTTP/1.1 $status $reason\r\nContent-Type: application/xml\r\nContent-Length: ${bytes.length}\r\n" +
      "Connection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1) ++ bytes
  }
}
