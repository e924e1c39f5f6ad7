package dev.tcplife.jfr.boot;

import java.lang.module.Configuration;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReader;
import java.lang.module.ModuleReference;
import java.net.URI;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The agent's native layer, jffi, as a named module of the agent's class loader, so that native access can be
 * granted to it alone.
 *
 * <p>JDK 22 and later restrict {@code System.load} and the linking of JNI methods to modules granted native
 * access, and warn on the application's standard error (in a future JDK: refuse) when code of any other module
 * calls them. The flag that grants it to unnamed modules ({@code --enable-native-access=ALL-UNNAMED}) would grant
 * it to every class of the application's class path too, and cannot be given to a JVM already running. So jffi's
 * two packages are defined in a module of their own, in a module layer of the agent's; the agent grants that
 * module native access as it starts ({@code dev.tcplife.jfr.agent.NativeAccess}: granting is itself restricted,
 * and this class, on the application's class path, must not hold the right). The agent's other classes stay in
 * its loader's unnamed module, which reads every module; the module exports its packages to them.
 */
final class NativeModule {
    static final String NAME = "dev.tcplife.jffi";
    /** jffi's packages: its stub library binds to them by name (they are not relocated). */
    static final Set<String> PACKAGES = Set.of("com.kenai.jffi", "com.kenai.jffi.internal");

    private NativeModule() {
    }

    /** Defines the module in {@code loader}, which must not have loaded any class of its packages yet. */
    static Module define(ClassLoader loader, URI location) {
        ModuleDescriptor.Builder builder = ModuleDescriptor.newModule(NAME).requires("jdk.unsupported"); // sun.misc.Unsafe
        PACKAGES.forEach(builder::exports);
        ModuleDescriptor descriptor = builder.build();
        ModuleReference reference = new ModuleReference(descriptor, location) {
            @Override
            public ModuleReader open() {
                return new EmptyReader(); // the class loader reads the classes and resources itself
            }
        };
        ModuleFinder finder = new ModuleFinder() {
            @Override
            public Optional<ModuleReference> find(String name) {
                return NAME.equals(name) ? Optional.of(reference) : Optional.empty();
            }

            @Override
            public Set<ModuleReference> findAll() {
                return Set.of(reference);
            }
        };
        Configuration configuration = ModuleLayer.boot().configuration()
                .resolve(finder, ModuleFinder.of(), Set.of(NAME));
        ModuleLayer.Controller controller = ModuleLayer.defineModules(configuration, List.of(ModuleLayer.boot()),
                name -> loader);
        return controller.layer().findModule(NAME).orElseThrow();
    }

    /** Nothing to read: the agent's class loader serves the module's classes and resources from its jar. */
    private static final class EmptyReader implements ModuleReader {
        @Override
        public Optional<URI> find(String name) {
            return Optional.empty();
        }

        @Override
        public Stream<String> list() {
            return Stream.empty();
        }

        @Override
        public void close() {
            // nothing held
        }
    }
}
