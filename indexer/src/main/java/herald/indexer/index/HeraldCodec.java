package herald.indexer.index;

import java.io.IOException;
import org.apache.lucene.codecs.FilterCodec;
import org.apache.lucene.codecs.StoredFieldsFormat;
import org.apache.lucene.codecs.compressing.CompressionMode;
import org.apache.lucene.codecs.compressing.Compressor;
import org.apache.lucene.codecs.compressing.Decompressor;
import org.apache.lucene.codecs.lucene104.Lucene104Codec;
import org.apache.lucene.codecs.lucene90.compressing.Lucene90CompressingStoredFieldsFormat;
import org.apache.lucene.store.ByteBuffersDataInput;
import org.apache.lucene.store.DataInput;
import org.apache.lucene.store.DataOutput;
import org.apache.lucene.util.ArrayUtil;
import org.apache.lucene.util.BytesRef;

/**
 * Lucene's codec with stored fields kept as they are, not compressed: every search reads the stored
 * fields of its page (title, summary, body for the snippet), and decompressing them was the largest
 * single cost of a search after the matching itself (LZ4 over the block up to the document, a
 * seventh of the CPU of the benchmark's mix, even in 8 KB blocks). Reading a document is now a copy
 * of its own bytes. The stored fields take about twice the disk (text compresses about 2:1), which
 * for this content is tens of megabytes per 100,000 entries.
 *
 * <p>Registered as a service ({@code META-INF/services/org.apache.lucene.codecs.Codec}): Lucene
 * finds a segment's codec by the name written in it. The name changed with the stored fields'
 * layout, so an index written by an earlier version is not readable by this one and is rebuilt.
 */
public final class HeraldCodec extends FilterCodec {
  public static final String NAME = "Herald104r";

  private final StoredFieldsFormat storedFields =
      new Lucene90CompressingStoredFieldsFormat("HeraldRawStoredFields", RAW, 16 * 1024, 128, 10);

  public HeraldCodec() {
    super(NAME, new Lucene104Codec());
  }

  @Override
  public StoredFieldsFormat storedFieldsFormat() {
    return storedFields;
  }

  /**
   * The bytes of a block as they are: "decompressing" a document reads only its own bytes. One
   * instance, so that merges see the same mode and copy whole blocks.
   */
  static final CompressionMode RAW =
      new CompressionMode() {
        @Override
        public Compressor newCompressor() {
          return new Compressor() {
            @Override
            public void compress(ByteBuffersDataInput in, DataOutput out) throws IOException {
              out.copyBytes(in, in.length());
            }

            @Override
            public void close() {}
          };
        }

        @Override
        public Decompressor newDecompressor() {
          return new RawDecompressor();
        }

        @Override
        public String toString() {
          return "raw";
        }
      };

  private static final class RawDecompressor extends Decompressor {
    @Override
    public void decompress(DataInput in, int originalLength, int offset, int length, BytesRef bytes)
        throws IOException {
      if (offset < 0 || length < 0 || offset + length > originalLength) {
        throw new IllegalArgumentException(
            "cannot read " + length + " bytes at " + offset + " of a block of " + originalLength);
      }
      in.skipBytes(offset);
      bytes.bytes = ArrayUtil.growNoCopy(bytes.bytes, length);
      in.readBytes(bytes.bytes, 0, length);
      bytes.offset = 0;
      bytes.length = length;
      // Leaves the input after the block, as a decompressor that reads it all would: a document
      // larger than a block is read as several blocks in a row.
      in.skipBytes(originalLength - offset - length);
    }

    @Override
    public Decompressor clone() {
      return new RawDecompressor();
    }
  }
}
