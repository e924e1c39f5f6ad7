package dev.tcplife.jfr.events;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.MetadataDefinition;
import jdk.jfr.Name;
import jdk.jfr.Relational;

/**
 * Marks a field holding a socket's inode number, the id that ties a session to the other events about the same
 * socket, and that {@code ls -l /proc/PID/fd} and {@code ss -e} show as well.
 *
 * <p>Recordings carry the relation under this annotation's name, which JFR takes from the class name unless
 * {@code @Name} gives one: a name of its own, as the events have, so that a recording's metadata does not depend
 * on where the class lives.
 */
@MetadataDefinition
@Name("tcplife.SocketId")
@Relational
@Label("Socket Id")
@Description("Inode number of the socket, as in /proc/PID/fd and ss -e")
@Target(ElementType.FIELD)
@Retention(RetentionPolicy.RUNTIME)
public @interface SocketId {
}
