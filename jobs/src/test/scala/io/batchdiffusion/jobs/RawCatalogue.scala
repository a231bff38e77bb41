package io.batchdiffusion.jobs

import java.nio.file.Path

import org.apache.hadoop.conf.Configuration
import org.apache.parquet.example.data.simple.SimpleGroupFactory
import org.apache.parquet.hadoop.example.ExampleParquetWriter
import org.apache.parquet.hadoop.util.HadoopOutputFile
import org.apache.parquet.io.api.Binary
import org.apache.parquet.schema.{MessageType, MessageTypeParser}

/**
 * Writes a catalogue with parquet-hadoop directly, so string columns can hold raw bytes that are not
 * UTF-8 (Spark and pyarrow writers refuse or repair them). Values: String, Array[Byte] (raw bytes of
 * a string column), Double, Long; a missing key is null.
 */
object RawCatalogue {

  sealed trait Column { def name: String }
  final case class Text(name: String) extends Column
  final case class Float64(name: String) extends Column
  final case class Int64(name: String) extends Column

  def write(file: Path, columns: Seq[Column], rows: Seq[Map[String, Any]]): Unit = {
    val fields = columns.map {
      case Text(n) => s"optional binary $n (STRING);"
      case Float64(n) => s"optional double $n;"
      case Int64(n) => s"optional int64 $n;"
    }
    val schema: MessageType = MessageTypeParser.parseMessageType(fields.mkString("message catalogue {\n", "\n", "\n}"))
    val conf = new Configuration()
    val out = HadoopOutputFile.fromPath(new org.apache.hadoop.fs.Path(file.toUri), conf)
    val writer = ExampleParquetWriter.builder(out).withType(schema).withConf(conf).build()
    val groups = new SimpleGroupFactory(schema)
    try {
      rows.foreach { row =>
        val group = groups.newGroup()
        row.foreach {
          case (name, s: String) => group.add(name, Binary.fromString(s))
          case (name, b: Array[Byte]) => group.add(name, Binary.fromConstantByteArray(b))
          case (name, d: Double) => group.add(name, d)
          case (name, l: Long) => group.add(name, l)
          case (name, i: Int) => group.add(name, i.toLong)
          case (name, v) => throw new IllegalArgumentException(s"$name: unsupported value $v")
        }
        writer.write(group)
      }
    } finally writer.close()
  }
}
