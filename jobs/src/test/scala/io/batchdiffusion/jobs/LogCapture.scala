package io.batchdiffusion.jobs

import java.nio.charset.StandardCharsets
import java.nio.file.{Files, Path}
import java.util.UUID
import java.util.concurrent.ConcurrentLinkedQueue

import scala.jdk.CollectionConverters._

import org.apache.logging.log4j.{Level, LogManager}
import org.apache.logging.log4j.core.{LogEvent, LoggerContext}
import org.apache.logging.log4j.core.appender.AbstractAppender
import org.apache.logging.log4j.core.config.Property

/**
 * Captures every log4j event of this JVM (in local mode: the driver's and the executors') at `level`
 * and above into memory and a file, with the console quiet meanwhile. Messages, exception messages
 * and stack traces are all kept, since any of them could leak what a test looks for.
 */
final class LogCapture private (file: Path, level: Level) extends AutoCloseable {
  private val lines = new ConcurrentLinkedQueue[String]()
  private val context = LogManager.getContext(false).asInstanceOf[LoggerContext]
  private val root = context.getConfiguration.getRootLogger
  private val previousLevel = root.getLevel
  private val console = Option(context.getConfiguration.getAppender[org.apache.logging.log4j.core.Appender]("console"))
  private val appender = new AbstractAppender("capture-" + UUID.randomUUID(), null, null, true, Property.EMPTY_ARRAY) {
    override def append(event: LogEvent): Unit = {
      val thrown = Option(event.getThrown).map { t =>
        val out = new java.io.StringWriter()
        t.printStackTrace(new java.io.PrintWriter(out))
        "\n" + out
      }.getOrElse("")
      lines.add(s"${event.getLevel} ${event.getLoggerName} [${event.getThreadName}]: " +
        event.getMessage.getFormattedMessage + thrown)
    }
  }
  appender.start()
  console.foreach(c => root.removeAppender(c.getName))
  root.addAppender(appender, level, null)
  root.setLevel(level)
  context.updateLoggers()

  /** Everything captured so far. */
  def text: String = lines.asScala.mkString("\n")

  def messages: Seq[String] = lines.asScala.toSeq

  override def close(): Unit = {
    root.removeAppender(appender.getName)
    console.foreach(c => root.addAppender(c, null, null))
    root.setLevel(previousLevel)
    context.updateLoggers()
    appender.stop()
    Files.write(file, text.getBytes(StandardCharsets.UTF_8))
  }
}

object LogCapture {
  def apply(file: Path, level: Level = Level.INFO): LogCapture = new LogCapture(file, level)
}
