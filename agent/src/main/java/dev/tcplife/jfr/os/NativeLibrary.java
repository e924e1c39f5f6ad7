package dev.tcplife.jfr.os;

import com.kenai.jffi.CallContext;
import com.kenai.jffi.CallingConvention;
import com.kenai.jffi.Invoker;
import com.kenai.jffi.LastError;
import com.kenai.jffi.Library;
import com.kenai.jffi.Type;

/**
 * A shared library's C functions, called through jffi, the native layer under jnr-ffi. jffi takes a few dozen
 * classes to load, where binding an interface with jnr-ffi's own layer takes several hundred: measured here, that
 * was a quarter of a second of the JVM's start, on the path to {@code main}. Arguments and results are integers
 * and addresses; memory is {@link NativeMemory}.
 */
public final class NativeLibrary {
    /** C's int, which a function reads and returns in 32 bits. */
    public static final Type INT = Type.SINT32;
    /** C's long, size_t, off_t and __u64 on the 64-bit Linux ABIs the agent runs on. */
    public static final Type LONG = Type.SINT64;
    /** Any pointer: an address, 0 for NULL. */
    public static final Type POINTER = Type.POINTER;
    public static final Type VOID = Type.VOID;

    private final String name;
    private final Library library;

    private NativeLibrary(String name, Library library) {
        this.name = name;
        this.library = library;
    }

    /**
     * Opens the first of {@code names} that the dynamic loader finds (a file name or a path).
     *
     * @throws UnsatisfiedLinkError naming each that failed, with the loader's reason
     */
    public static NativeLibrary open(String... names) {
        StringBuilder failures = new StringBuilder();
        for (String name : names) {
            Library library = Library.getCachedInstance(name, Library.LAZY | Library.LOCAL);
            if (library != null) {
                return new NativeLibrary(name, library);
            }
            failures.append(failures.length() == 0 ? "" : "; ").append(Library.getLastError());
        }
        throw new UnsatisfiedLinkError(failures.toString());
    }

    /**
     * The function {@code symbol}, returning {@code result} and taking {@code parameters} (at most six).
     *
     * @throws UnsatisfiedLinkError when the library has no such function
     */
    public Function function(String symbol, Type result, Type... parameters) {
        Function function = optionalFunction(symbol, result, parameters);
        if (function == null) {
            throw new UnsatisfiedLinkError(name + " has no function " + symbol + " (too old a version?)");
        }
        return function;
    }

    /** As {@link #function}, or null when the library has none (a function of some versions only). */
    public Function optionalFunction(String symbol, Type result, Type... parameters) {
        long address = library.getSymbolAddress(symbol);
        if (address == 0) {
            return null;
        }
        return new Function(address, CallContext.getCallContext(result, parameters, CallingConvention.DEFAULT, true),
                parameters.length);
    }

    /** One C function; each call saves the C errno it leaves, for {@link #errno()} on the same thread. */
    public static final class Function {
        private static final Invoker INVOKER = Invoker.getInstance();

        private final long address;
        private final CallContext context;
        private final int arity;

        private Function(long address, CallContext context, int arity) {
            this.address = address;
            this.context = context;
            this.arity = arity;
        }

        /** Calls with {@code arguments}, as many as the function takes; an int result is sign-extended. */
        public long call(long... arguments) {
            if (arguments.length != arity) {
                throw new IllegalArgumentException(arguments.length + " arguments for a function of " + arity);
            }
            long[] a = arguments;
            return switch (arity) {
                case 0 -> INVOKER.invokeN0(context, address);
                case 1 -> INVOKER.invokeN1(context, address, a[0]);
                case 2 -> INVOKER.invokeN2(context, address, a[0], a[1]);
                case 3 -> INVOKER.invokeN3(context, address, a[0], a[1], a[2]);
                case 4 -> INVOKER.invokeN4(context, address, a[0], a[1], a[2], a[3]);
                case 5 -> INVOKER.invokeN5(context, address, a[0], a[1], a[2], a[3], a[4]);
                case 6 -> INVOKER.invokeN6(context, address, a[0], a[1], a[2], a[3], a[4], a[5]);
                default -> throw new IllegalArgumentException("more than six arguments");
            };
        }

        /** {@link #call} for a function returning an int. */
        public int callInt(long... arguments) {
            return (int) call(arguments);
        }
    }

    /** The errno the calling thread's last call left. */
    public static int errno() {
        return LastError.getInstance().get();
    }
}
