package io.batchdiffusion.testing;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Frees the memory of unreachable direct buffers (arrays DJL made from Java values borrow such buffers)
 * and hands it out again filled with {@code 0x7f} bytes, so that anything still reading it sees
 * 3.4e38 instead of the value it expects.
 */
public final class NativeMemoryChurn {

    private NativeMemoryChurn() {}

    public static void freeAndReuse() {
        List<ByteBuffer> reused = new ArrayList<>();
        for (int round = 0; round < 3; round++) {
            System.gc();
            try {
                Thread.sleep(30); // the cleaner thread frees the buffers
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            for (int size = 1; size <= 65536; size *= 2) {
                for (int i = 0; i < 64; i++) {
                    ByteBuffer b = ByteBuffer.allocateDirect(size);
                    while (b.hasRemaining()) {
                        b.put((byte) 0x7f);
                    }
                    reused.add(b);
                }
            }
        }
        reused.clear();
    }
}
