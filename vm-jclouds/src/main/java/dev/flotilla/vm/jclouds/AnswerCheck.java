package dev.flotilla.vm.jclouds;

import java.util.Optional;

/**
 * What a cloud's answers must look like before jclouds reads them. jclouds reads an answer it does not
 * understand (an HTML page from a proxy, {@code {}}, a body cut short, a list left out) as an empty one,
 * and an empty list of VMs would say "every VM is gone"; a check turns such an answer into an error
 * instead. Error answers are checked too: jclouds reads any 404 as "not found", and only the cloud's own
 * error, in its own shape, may say that.
 */
public interface AnswerCheck {
  /**
   * Why {@code body}, a 2xx answer to {@code method} on {@code url}, cannot be what the cloud meant; empty
   * when it can be. Most clouds are told by the URL's path; CloudStack's query names the command.
   *
   * @param contentType the answer's content type, or {@code null} when it gave none
   */
  Optional<String> problem(String method, java.net.URL url, String contentType, byte[] body);

  /**
   * Why {@code body}, an error answer with HTTP {@code status}, is not an error in the cloud's own shape
   * (EC2's {@code <Response><Errors>}, Nova's {@code {"itemNotFound": {...}}}, CloudStack's
   * {@code errorcode}); empty when it is one.
   */
  Optional<String> errorProblem(String method, java.net.URL url, int status, String contentType, byte[] body);

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
