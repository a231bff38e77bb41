package io.batchdiffusion.nn;

import com.sun.jna.Function;
import com.sun.jna.Library;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Lets Intel MKL, which runs PyTorch's fp32 matrix products on the CPU, choose its kernels by the
 * CPU's features instead of its vendor. MKL asks {@code mkl_serv_intel_cpu_true()} whether the CPU is
 * an Intel one and, when it is not, stays on its AVX2 kernels even where the CPU has AVX-512: on this
 * project's AMD EPYC (Zen 5) a 4096-square product runs at 174 GFLOP/s instead of 404, and the SD 1.5
 * UNet step takes 1.4x as long (docs/performance.md).
 *
 * <p>{@link #install} writes a 4 KB shared library whose only symbol is that function, returning 1,
 * and loads it into the process's global symbol scope. libtorch binds MKL's call to the function
 * lazily, on the first matrix product, and the global scope comes before libtorch's own definition,
 * so the engine must not have run a product yet: {@link NativeTuning#apply} installs it before the
 * engine loads. This is the library form of the {@code LD_PRELOAD} shim commonly used with MKL on AMD
 * CPUs; MKL still picks the kernel from CPUID, so a CPU without AVX-512 keeps AVX2.
 */
final class MklDispatch {

    static final String SYMBOL = "mkl_serv_intel_cpu_true";

    private static final int RTLD_NOW = 0x2;
    private static final int RTLD_GLOBAL = 0x100;

    private MklDispatch() {}

    /**
     * Loads the shim with {@code RTLD_GLOBAL} and returns it; the file is deleted once mapped. Linux on
     * x86-64 only.
     */
    static NativeLibrary install() throws IOException {
        Path file = Files.createTempFile("batchdiffusion-mkl-dispatch-", ".so");
        try {
            Files.write(file, sharedLibrary());
            return NativeLibrary.getInstance(
                    file.toString(), Map.of(Library.OPTION_OPEN_FLAGS, RTLD_NOW | RTLD_GLOBAL));
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /**
     * True when a lookup in the global scope finds {@code library}'s definition of the symbol, which
     * is the one libtorch binds to on its first call.
     */
    static boolean firstInGlobalScope(NativeLibrary library) {
        Pointer ours = library.getGlobalVariableAddress(SYMBOL);
        Function dlsym = NativeLibrary.getInstance("c").getFunction("dlsym");
        Pointer global = (Pointer) dlsym.invoke(Pointer.class, new Object[] {Pointer.NULL, SYMBOL});
        return ours.equals(global);
    }

    // ELF64 constants (elf.h)
    private static final int PAGE = 0x1000;
    private static final int EHDR_SIZE = 64;
    private static final int PHDR_SIZE = 56;
    private static final int SYM_SIZE = 24;
    private static final int PT_LOAD = 1;
    private static final int PT_DYNAMIC = 2;
    private static final int PT_GNU_STACK = 0x6474e551;
    private static final int PF_X = 1;
    private static final int PF_W = 2;
    private static final int PF_R = 4;
    private static final long DT_NULL = 0;
    private static final long DT_HASH = 4;
    private static final long DT_STRTAB = 5;
    private static final long DT_SYMTAB = 6;
    private static final long DT_STRSZ = 10;
    private static final long DT_SYMENT = 11;
    private static final long DT_SONAME = 14;

    /**
     * An x86-64 ELF shared object defining {@code int mkl_serv_intel_cpu_true(void) { return 1; }}:
     * one read-only executable page with the headers, hash table, symbols, names and code, and one
     * writable page with the dynamic section (older glibc relocates it in place). Four program headers:
     * the two loads, the dynamic section, and a non-executable stack (without it glibc would make every
     * thread stack executable, or refuse the library).
     */
    static byte[] sharedLibrary() {
        byte[] soname = "libbatchdiffusion-mkl-dispatch.so".getBytes(StandardCharsets.US_ASCII);
        byte[] symbol = SYMBOL.getBytes(StandardCharsets.US_ASCII);
        int phnum = 4;
        int hashOffset = EHDR_SIZE + phnum * PHDR_SIZE;
        int hashSize = 5 * 4; // nbucket, nchain, bucket[0], chain[0], chain[1]
        int symtabOffset = align(hashOffset + hashSize, 8);
        int strtabOffset = symtabOffset + 2 * SYM_SIZE;
        int symbolName = 1;
        int sonameName = symbolName + symbol.length + 1;
        int strtabSize = sonameName + soname.length + 1;
        int codeOffset = align(strtabOffset + strtabSize, 16);
        byte[] code = {(byte) 0xb8, 1, 0, 0, 0, (byte) 0xc3}; // mov eax, 1; ret
        int textEnd = codeOffset + code.length;
        int dynamicOffset = PAGE; // file offset and address alike
        int dynamicSize = 7 * 16;

        ByteBuffer elf = ByteBuffer.allocate(dynamicOffset + dynamicSize).order(ByteOrder.LITTLE_ENDIAN);
        // ELF header: 64-bit, little-endian, current version, System V ABI, shared object for x86-64
        elf.put(new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1, 0}).put(new byte[8]);
        elf.putShort((short) 3).putShort((short) 62).putInt(1);
        elf.putLong(0).putLong(EHDR_SIZE).putLong(0); // entry, program headers, no section headers
        elf.putInt(0).putShort((short) EHDR_SIZE).putShort((short) PHDR_SIZE).putShort((short) phnum);
        elf.putShort((short) 64).putShort((short) 0).putShort((short) 0);

        programHeader(elf, PT_LOAD, PF_R | PF_X, 0, textEnd, PAGE);
        programHeader(elf, PT_LOAD, PF_R | PF_W, dynamicOffset, dynamicSize, PAGE);
        programHeader(elf, PT_DYNAMIC, PF_R | PF_W, dynamicOffset, dynamicSize, 8);
        programHeader(elf, PT_GNU_STACK, PF_R | PF_W, 0, 0, 16);

        // SysV hash table with one bucket: every lookup lands on symbol 1 and compares its name
        elf.position(hashOffset);
        elf.putInt(1).putInt(2).putInt(1).putInt(0).putInt(0);

        elf.position(symtabOffset + SYM_SIZE); // symbol 0 is the null symbol
        elf.putInt(symbolName);
        elf.put((byte) 0x12); // STB_GLOBAL, STT_FUNC
        elf.put((byte) 0); // default visibility
        elf.putShort((short) 1); // any defined section index: there are no section headers
        elf.putLong(codeOffset).putLong(code.length);

        elf.position(strtabOffset + symbolName);
        elf.put(symbol).put((byte) 0).put(soname).put((byte) 0);

        elf.position(codeOffset);
        elf.put(code);

        elf.position(dynamicOffset);
        dynamic(elf, DT_HASH, hashOffset);
        dynamic(elf, DT_STRTAB, strtabOffset);
        dynamic(elf, DT_SYMTAB, symtabOffset);
        dynamic(elf, DT_STRSZ, strtabSize);
        dynamic(elf, DT_SYMENT, SYM_SIZE);
        dynamic(elf, DT_SONAME, sonameName);
        dynamic(elf, DT_NULL, 0);
        return elf.array();
    }

    private static void programHeader(ByteBuffer elf, int type, int flags, long offset, long size, long align) {
        elf.putInt(type).putInt(flags);
        elf.putLong(offset).putLong(offset).putLong(offset); // file offset = virtual = physical address
        elf.putLong(size).putLong(size).putLong(align);
    }

    private static void dynamic(ByteBuffer elf, long tag, long value) {
        elf.putLong(tag).putLong(value);
    }

    private static int align(int value, int alignment) {
        return (value + alignment - 1) / alignment * alignment;
    }
}
