package dev.flotilla.vm.support;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import dev.flotilla.vm.ConfigurationException;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reading configuration JSON with errors a person can act on: which file, line and column, which field,
 * what type was expected. Values are never echoed, since the field may hold a secret.
 */
public final class Json {
  private static final Pattern LOCATION = Pattern.compile("(.*?) at line (\\d+) column (\\d+)(?: path (\\S+))?.*",
      Pattern.DOTALL);

  /** Deeper nesting than any configuration needs is refused before it can exhaust the stack. */
  static final int MAX_DEPTH = 64;

  private Json() {}

  /**
   * The text of {@code file}, if it is no larger than {@code maxBytes}.
   *
   * @throws java.nio.file.NoSuchFileException when it does not exist, for the caller to say what that means
   * @throws ConfigurationException when it is too large, not UTF-8, or cannot be read
   */
  public static String readFile(Path file, long maxBytes) throws java.nio.file.NoSuchFileException {
    try {
      byte[] bytes = readBounded(file, maxBytes);
      if (ascii(bytes)) {
        return new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1); // the common case, copied as is
      }
      return java.nio.charset.StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
          .decode(java.nio.ByteBuffer.wrap(bytes)).toString();
    } catch (java.nio.file.NoSuchFileException e) {
      throw e;
    } catch (java.nio.charset.CharacterCodingException e) {
      throw new ConfigurationException(file, null, "is not UTF-8 text; save it as UTF-8 JSON");
    } catch (IOException e) {
      throw new ConfigurationException(file, null, "cannot be read: " + e.getMessage());
    }
  }

  /**
   * The bytes of {@code file}, read only when it is a regular file (a link is followed to one) of at most
   * {@code maxBytes}: a device such as /dev/zero or a FIFO is refused before it is opened, and a file that
   * grows while it is read is cut off at the bound, so no file can exhaust the heap or hang the reader.
   *
   * @throws java.nio.file.NoSuchFileException when it does not exist
   * @throws ConfigurationException when it is not a regular file or too large
   */
  public static byte[] readBounded(Path file, long maxBytes) throws IOException {
    // one look at the file (a store of 10,000 records reads 10,000 of them); NoSuchFileException when absent
    java.nio.file.attribute.BasicFileAttributes attributes = java.nio.file.Files.readAttributes(file,
        java.nio.file.attribute.BasicFileAttributes.class);
    if (!attributes.isRegularFile()) {
      throw new ConfigurationException(file, null, "is not a regular file (a device, a FIFO or a folder?); give a"
          + " plain file");
    }
    long size = attributes.size();
    if (size > maxBytes) {
      throw new ConfigurationException(file, null, "is " + size / 1024 + " KB, and such a file holds at most "
          + maxBytes / 1024 + " KB; is it the right file?");
    }
    try (java.io.InputStream in = java.nio.file.Files.newInputStream(file)) {
      byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
      if (bytes.length > maxBytes) {
        throw new ConfigurationException(file, null, "grew past " + maxBytes / 1024 + " KB while it was read; is it"
            + " the right file?");
      }
      return bytes;
    }
  }

  private static boolean ascii(byte[] bytes) {
    for (byte b : bytes) {
      if (b < 0) {
        return false;
      }
    }
    return true;
  }

  /**
   * Parses {@code text}, which came from {@code file}, as one JSON object.
   *
   * @throws ConfigurationException for malformed JSON (with line and column) or a top level that is not
   *     an object
   */
  public static JsonObject parseObject(String text, Path file) {
    if (text.isBlank()) {
      throw new ConfigurationException(file, null, "the file is empty; it must hold a JSON object such as {}");
    }
    JsonElement root;
    try {
      JsonReader reader = new JsonReader(new StringReader(text));
      reader.setStrictness(Strictness.STRICT);
      root = read(reader, 0);
      if (reader.peek() != JsonToken.END_DOCUMENT) {
        throw new ConfigurationException(file, null, "malformed JSON: more follows the end of the top-level object"
            + where(reader.toString()));
      }
    } catch (JsonParseException | IOException e) {
      throw new ConfigurationException(file, null, "malformed JSON: " + describe(e));
    }
    if (!root.isJsonObject()) {
      throw new ConfigurationException(file, null, "the top level must be a JSON object ({...}), not " + kind(root));
    }
    return root.getAsJsonObject();
  }

  /**
   * One value, read as a tree. Unlike Gson's own tree reader, a key given twice in one object is an error
   * (a record with two {@code id}s must not be read as the last one), and nesting is bounded.
   */
  private static JsonElement read(JsonReader in, int depth) throws IOException {
    JsonToken token = in.peek();
    if ((token == JsonToken.BEGIN_OBJECT || token == JsonToken.BEGIN_ARRAY) && depth >= MAX_DEPTH) {
      throw new JsonParseException("nested more than " + MAX_DEPTH + " levels deep" + where(in.toString()));
    }
    switch (token) {
      case BEGIN_OBJECT -> {
        JsonObject o = new JsonObject();
        in.beginObject();
        while (in.hasNext()) {
          String key = in.nextName();
          if (o.has(key)) { // where is said only when it is needed: it costs a path and a pattern match
            throw new JsonParseException("the key '" + key + "' appears twice in one object" + where(in.toString())
                + "; keep one");
          }
          o.add(key, read(in, depth + 1));
        }
        in.endObject();
        return o;
      }
      case BEGIN_ARRAY -> {
        com.google.gson.JsonArray a = new com.google.gson.JsonArray();
        in.beginArray();
        while (in.hasNext()) {
          a.add(read(in, depth + 1));
        }
        in.endArray();
        return a;
      }
      case STRING -> {
        return new com.google.gson.JsonPrimitive(in.nextString());
      }
      case NUMBER -> {
        return new com.google.gson.JsonPrimitive(new java.math.BigDecimal(in.nextString()));
      }
      case BOOLEAN -> {
        return new com.google.gson.JsonPrimitive(in.nextBoolean());
      }
      case NULL -> {
        in.nextNull();
        return com.google.gson.JsonNull.INSTANCE;
      }
      default -> throw new JsonParseException("unexpected " + token + where(in.toString()));
    }
  }

  private static String describe(Exception e) {
    Throwable t = e.getCause() != null && e.getCause().getMessage() != null ? e.getCause() : e;
    // Gson's advice is for programmers ("Use JsonReader.setStrictness..."); a person needs to know it is not JSON
    String message = String.valueOf(t.getMessage()).replaceAll("Use JsonReader\\.setStrictness\\([^)]*\\) to accept"
        + " malformed JSON", "this is not JSON").replaceAll("\\s*See https://github\\.com/google/gson/\\S+", "");
    Matcher m = LOCATION.matcher(message);
    if (m.matches()) {
      return "line " + m.group(2) + ", column " + m.group(3) + ": " + m.group(1).trim()
          + (m.group(4) == null ? "" : " (at " + m.group(4) + ")");
    }
    return message.lines().findFirst().orElse("unreadable");
  }

  private static String where(String readerDescription) {
    Matcher m = LOCATION.matcher("x" + readerDescription);
    return m.matches() ? " at line " + m.group(2) + ", column " + m.group(3) : "";
  }

  /** What kind of JSON value {@code e} is, for messages: "a string", "a number", "an object"... */
  public static String kind(JsonElement e) {
    if (e == null || e.isJsonNull()) {
      return "null";
    }
    if (e.isJsonObject()) {
      return "an object";
    }
    if (e.isJsonArray()) {
      return "a list";
    }
    var p = e.getAsJsonPrimitive();
    return p.isBoolean() ? "true or false" : p.isNumber() ? "a number" : "a string";
  }

  /** A string value, or an error naming the field and the type found. */
  public static String string(JsonElement e, Path file, String field) {
    if (e != null && e.isJsonPrimitive() && e.getAsJsonPrimitive().isString()) {
      return e.getAsString();
    }
    throw new ConfigurationException(file, field, "must be a string, but is " + kind(e));
  }

  /** A string, number or boolean value as text (for pass-through options), or an error. */
  public static String scalar(JsonElement e, Path file, String field) {
    if (e != null && e.isJsonPrimitive()) {
      return e.getAsString();
    }
    throw new ConfigurationException(file, field, "must be a string, a number or true/false, but is " + kind(e));
  }

  /** A whole number, or an error. */
  public static int integer(JsonElement e, Path file, String field) {
    if (e != null && e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber()) {
      double d = e.getAsDouble();
      if (d == Math.rint(d) && Math.abs(d) <= Integer.MAX_VALUE) {
        return (int) d;
      }
    }
    throw new ConfigurationException(file, field, "must be a whole number, but is " + kind(e));
  }

  /** A list of strings, or an error. A single string is taken as a list of one. */
  public static List<String> strings(JsonElement e, Path file, String field) {
    if (e != null && e.isJsonPrimitive() && e.getAsJsonPrimitive().isString()) {
      return List.of(e.getAsString());
    }
    if (e == null || !e.isJsonArray()) {
      throw new ConfigurationException(file, field, "must be a list of strings, but is " + kind(e));
    }
    List<String> out = new ArrayList<>();
    int i = 0;
    for (JsonElement item : e.getAsJsonArray()) {
      out.add(string(item, file, field + "[" + i++ + "]"));
    }
    return out;
  }

  /** An object, or an error. */
  public static JsonObject object(JsonElement e, Path file, String field) {
    if (e != null && e.isJsonObject()) {
      return e.getAsJsonObject();
    }
    throw new ConfigurationException(file, field, "must be an object ({...}), but is " + kind(e));
  }

  /** An object of scalars as a string map (for provider options), or an error. */
  public static Map<String, String> stringMap(JsonElement e, Path file, String field) {
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<String, JsonElement> entry : object(e, file, field).entrySet()) {
      out.put(entry.getKey(), scalar(entry.getValue(), file, field + "." + entry.getKey()));
    }
    return out;
  }

  /**
   * The error for an unknown key: names it, suggests the nearest known key, and lists the known ones.
   *
   * @param key the full dotted key as written, such as {@code vm.imag}
   */
  public static ConfigurationException unknownKey(Path file, String key, Collection<String> known) {
    String nearest = nearest(key, known);
    return new ConfigurationException(file, key, "is not a known key" + (nearest == null ? "" : "; did you mean '"
        + nearest + "'?") + " Known keys: " + String.join(", ", known) + ".");
  }

  /** The known word closest to {@code word} by edit distance, if it is close enough to be a likely typo. */
  public static String nearest(String word, Collection<String> known) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String k : known) {
      int d = distance(word.toLowerCase(java.util.Locale.ROOT), k.toLowerCase(java.util.Locale.ROOT));
      if (d < bestDistance) {
        best = k;
        bestDistance = d;
      }
    }
    return best != null && bestDistance <= Math.max(2, best.length() / 3) ? best : null;
  }

  /** Levenshtein distance. */
  static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
