package dev.tcplife.jfr.cli.command;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A command's arguments: positional ones, {@code --flag}s and {@code --option value} (or {@code --option=value})
 * pairs, checked against the names the command knows. Every mistake is a {@link UsageException} naming the
 * argument at fault.
 */
public final class Arguments {
    /** Wrong usage: exit status 2 and the message. */
    public static final class UsageException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public UsageException(String message) {
            super(message);
        }
    }

    private final List<String> positional = new ArrayList<>();
    private final Map<String, String> options = new HashMap<>();
    private final Set<String> flags = new HashSet<>();

    private Arguments() {
    }

    public static Arguments parse(String[] args, Set<String> flagNames, Set<String> optionNames) {
        Arguments parsed = new Arguments();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            int equals = arg.indexOf('=');
            String name = arg.startsWith("--") && equals > 0 ? arg.substring(0, equals) : arg;
            if (flagNames.contains(name)) {
                if (!name.equals(arg)) {
                    throw new UsageException("option " + name + " takes no value");
                }
                parsed.flags.add(name);
            } else if (optionNames.contains(name)) {
                if (!name.equals(arg)) {
                    parsed.options.put(name, arg.substring(equals + 1));
                } else if (i + 1 < args.length) {
                    parsed.options.put(name, args[++i]);
                } else {
                    throw new UsageException("option " + name + " needs a value");
                }
            } else if (arg.startsWith("-") && arg.length() > 1) {
                throw new UsageException("unknown option " + name);
            } else {
                parsed.positional.add(arg);
            }
        }
        return parsed;
    }

    public boolean flag(String name) {
        return flags.contains(name);
    }

    public String option(String name) {
        return options.get(name);
    }

    /** An option's value as a number, or {@code absent} when not given. */
    public long number(String name, long absent) {
        String value = options.get(name);
        if (value == null) {
            return absent;
        }
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new UsageException("option " + name + " needs a number, not '" + value + "'");
        }
    }

    /** The only positional argument, named {@code what} in the message when it is missing or doubled. */
    public String single(String what) {
        if (positional.size() != 1) {
            throw new UsageException(positional.isEmpty() ? "missing " + what : "expected one " + what + ", got " + positional);
        }
        return positional.get(0);
    }

    public List<String> positional() {
        return positional;
    }
}
