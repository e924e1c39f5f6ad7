package dev.tcplife.jfr.cli.sessions;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The types a chunk's records are made of, from its metadata record: each type's fields in the order their values
 * are written, which is all it takes to read the fields wanted and step over the others.
 *
 * <p>The metadata record is a table of strings, then a tree of elements that refer to them: under "metadata", one
 * "class" element per type (attributes id, name, simpleType), with a "field" element per field (name, class: its
 * type's id, dimension 1 for an array, constantPool where the value is a key into the type's pool).
 */
final class ChunkTypes {
    /** How a type's value is written. */
    enum Kind {
        /** Compressed integer: long, int, short, char. */
        NUMBER,
        /** One byte: byte, boolean. */
        BYTE,
        FLOAT,
        DOUBLE,
        STRING,
        /** The values of its fields, one after the other. */
        FIELDS
    }

    record Field(String name, long typeId, boolean array, boolean pooled) {
    }

    record Type(long id, String name, Kind kind, List<Field> fields) {
        /** The place of the named field among the type's fields, or -1. */
        int indexOf(String field) {
            for (int i = 0; i < fields.size(); i++) {
                if (fields.get(i).name().equals(field)) {
                    return i;
                }
            }
            return -1;
        }
    }

    /** An element of the metadata tree. */
    private record Element(String name, Map<String, String> attributes, List<Element> children) {
    }

    private static final int METADATA_RECORD = 0;

    /** The metadata record's id: it changes only when the JVM's types do. */
    final long metadataId;
    private final Map<Long, Type> byId = new HashMap<>();

    private ChunkTypes(long metadataId) {
        this.metadataId = metadataId;
    }

    /** The id of the chunk's metadata, to tell whether the types read from an earlier chunk still hold. */
    static long metadataId(Chunk chunk) throws IOException {
        chunk.position(chunk.metadataPosition);
        chunk.readLong(); // size
        if (chunk.readLong() != METADATA_RECORD) {
            throw new IOException("no metadata where the header of the chunk at offset " + chunk.fileOffset
                    + " says it is");
        }
        chunk.readLong(); // start
        chunk.readLong(); // duration
        return chunk.readLong();
    }

    static ChunkTypes read(Chunk chunk) throws IOException {
        ChunkTypes types = new ChunkTypes(metadataId(chunk));
        String[] strings = new String[chunk.readInt()];
        Text text = new Text();
        for (int i = 0; i < strings.length; i++) {
            strings[i] = text.read(chunk, null);
        }
        for (Element metadata : element(chunk, strings).children()) {
            if (metadata.name().equals("metadata")) {
                for (Element type : metadata.children()) {
                    if (type.name().equals("class")) {
                        types.declare(type);
                    }
                }
            }
        }
        return types;
    }

    private void declare(Element type) throws IOException {
        List<Field> fields = new ArrayList<>();
        for (Element field : type.children()) {
            if (field.name().equals("field")) {
                Map<String, String> attributes = field.attributes();
                fields.add(new Field(attributes.get("name"), number(field, "class"),
                        "1".equals(attributes.get("dimension")), attributes.containsKey("constantPool")));
            }
        }
        String name = type.attributes().get("name");
        long id = number(type, "id");
        byId.put(id, new Type(id, name, fields.isEmpty() ? primitive(name) : Kind.FIELDS, List.copyOf(fields)));
    }

    /** How a type without fields is written: a primitive's way, or not at all (annotations, which no value has). */
    private static Kind primitive(String name) {
        return switch (name) {
            case "long", "int", "short", "char" -> Kind.NUMBER;
            case "byte", "boolean" -> Kind.BYTE;
            case "float" -> Kind.FLOAT;
            case "double" -> Kind.DOUBLE;
            case "java.lang.String" -> Kind.STRING;
            default -> Kind.FIELDS;
        };
    }

    private static long number(Element element, String attribute) throws IOException {
        try {
            return Long.parseLong(element.attributes().get(attribute));
        } catch (NumberFormatException e) {
            throw new IOException("metadata element " + element.name() + " has no number for " + attribute, e);
        }
    }

    private static Element element(Chunk chunk, String[] strings) {
        String name = strings[chunk.readInt()];
        int attributeCount = chunk.readInt();
        Map<String, String> attributes = new HashMap<>(2 * attributeCount);
        for (int i = 0; i < attributeCount; i++) {
            attributes.put(strings[chunk.readInt()], strings[chunk.readInt()]);
        }
        int childCount = chunk.readInt();
        List<Element> children = new ArrayList<>(childCount);
        for (int i = 0; i < childCount; i++) {
            children.add(element(chunk, strings));
        }
        return new Element(name, attributes, children);
    }

    /** The type with this id; an error where the chunk declares none. */
    Type get(long id) throws IOException {
        Type type = byId.get(id);
        if (type == null) {
            throw new IOException("type id " + id + " is not declared in the chunk's metadata");
        }
        return type;
    }

    /** The type of this name, or null. */
    Type named(String name) {
        for (Type type : byId.values()) {
            if (type.name().equals(name)) {
                return type;
            }
        }
        return null;
    }

    /** Steps over a value of the field. */
    void skip(Chunk chunk, Field field) throws IOException {
        for (int count = field.array() ? chunk.readInt() : 1; count > 0; count--) {
            if (field.pooled()) {
                chunk.readLong();
            } else {
                skip(chunk, get(field.typeId()));
            }
        }
    }

    /** Steps over a value of the type. */
    void skip(Chunk chunk, Type type) throws IOException {
        switch (type.kind()) {
            case NUMBER -> chunk.readLong();
            case BYTE -> chunk.skip(1);
            case FLOAT -> chunk.skip(Float.BYTES);
            case DOUBLE -> chunk.skip(Double.BYTES);
            case STRING -> Text.skip(chunk);
            case FIELDS -> {
                for (Field field : type.fields()) {
                    skip(chunk, field);
                }
            }
        }
    }
}
