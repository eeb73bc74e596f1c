package dev.flotilla.vm.jclouds;

import java.util.Optional;

/**
 * What a cloud's successful answers must look like before jclouds reads them. jclouds reads an answer it
 * does not understand (an HTML page from a proxy, {@code {}}, a body cut short) as an empty one, and an
 * empty list of VMs would say "every VM is gone"; a check turns such an answer into an error instead.
 */
@FunctionalInterface
public interface AnswerCheck {
  /**
   * Why {@code body}, a 2xx answer to {@code method} on {@code url}, cannot be what the cloud meant; empty
   * when it can be. Most clouds are told by the URL's path; CloudStack's query names the command.
   *
   * @param contentType the answer's content type, or {@code null} when it gave none
   */
  Optional<String> problem(String method, java.net.URL url, String contentType, byte[] body);

  /** {@code body} read strictly as one whole JSON document; empty when it is not one (or more follows it). */
  static Optional<com.google.gson.JsonElement> wholeJson(byte[] body) {
    try {
      com.google.gson.stream.JsonReader reader = new com.google.gson.stream.JsonReader(new java.io.StringReader(
          new String(body, java.nio.charset.StandardCharsets.UTF_8)));
      reader.setStrictness(com.google.gson.Strictness.STRICT);
      com.google.gson.JsonElement json = com.google.gson.JsonParser.parseReader(reader);
      return reader.peek() == com.google.gson.stream.JsonToken.END_DOCUMENT ? Optional.of(json) : Optional.empty();
    } catch (com.google.gson.JsonParseException | java.io.IOException e) {
      return Optional.empty();
    }
  }
}
