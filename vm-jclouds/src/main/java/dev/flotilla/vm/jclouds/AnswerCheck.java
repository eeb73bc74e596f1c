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
   * Why {@code body}, a 2xx answer to {@code method} on {@code path}, cannot be what the cloud meant; empty
   * when it can be.
   *
   * @param contentType the answer's content type, or {@code null} when it gave none
   */
  Optional<String> problem(String method, String path, String contentType, byte[] body);

  /**
   * {@link #problem(String, String, String, byte[])} for a request to {@code url}, for clouds whose
   * query names what was asked (CloudStack's {@code command}); by default the path alone decides.
   */
  default Optional<String> problem(String method, java.net.URL url, String contentType, byte[] body) {
    return problem(method, url.getPath(), contentType, body);
  }
}
