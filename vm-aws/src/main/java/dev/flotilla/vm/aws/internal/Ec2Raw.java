package dev.flotilla.vm.aws.internal;

import com.google.common.base.Supplier;
import com.google.inject.Injector;
import com.google.inject.Key;
import com.google.inject.TypeLiteral;
import dev.flotilla.vm.CloudException;
import dev.flotilla.vm.support.SafeXml;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jclouds.aws.filters.FormSigner;
import org.jclouds.http.HttpRequest;
import org.jclouds.http.HttpResponse;
import org.jclouds.location.Region;
import org.jclouds.rest.HttpClient;
import org.w3c.dom.Element;
import org.xml.sax.SAXException;

/**
 * EC2 Query API actions that jclouds 2.7.0 lacks or reads badly (spread placement groups, VPC Elastic
 * IPs, ed25519 keys, images whose answers leave optional fields out), sent through jclouds' own HTTP client
 * and SigV4 signer, so they share its endpoint, credentials, deadlines and answer checks. Answers are read
 * with {@link SafeXml}; errors come back as jclouds' AWS errors, which {@link Ec2Errors} classifies.
 */
public final class Ec2Raw {
  private final HttpClient http;
  private final FormSigner signer;
  private final Supplier<Map<String, Supplier<URI>>> endpoints;
  private final String region;
  private final String version;

  /** Actions of the context in {@code injector}, in {@code region}, at API {@code version}. */
  public Ec2Raw(Injector injector, String region, String version) {
    this.http = injector.getInstance(HttpClient.class);
    this.signer = injector.getInstance(FormSigner.class);
    this.endpoints = injector.getInstance(Key.get(new TypeLiteral<Supplier<Map<String, Supplier<URI>>>>() {},
        Region.class));
    this.region = region;
    this.version = version;
  }

  /** {@code action} with {@code params} (in order); the answer's root element. */
  public Element call(String action, Map<String, String> params) {
    Supplier<URI> endpoint = endpoints.get().get(region);
    if (endpoint == null) {
      throw new CloudException(CloudException.Kind.INVALID_REQUEST, "aws", null, "EC2 has no endpoint for region "
          + region + "; check the profile's region");
    }
    URI url = endpoint.get();
    HttpRequest.Builder<?> b = HttpRequest.builder().method("POST").endpoint(url)
        .addHeader("Host", url.getHost() + (url.getPort() < 0 ? "" : ":" + url.getPort())) // signed, as jclouds does
        .addFormParam("Action", action).addFormParam("Version", version);
    params.forEach(b::addFormParam);
    HttpResponse response = http.invoke(signer.filter(b.build()));
    try (InputStream in = response.getPayload().openStream()) {
      return SafeXml.parse(in.readNBytes(64 << 20));
    } catch (IOException | SAXException e) {
      throw new CloudException(CloudException.Kind.UNKNOWN, "aws", null, action + ": the answer cannot be read ("
          + e.getMessage() + "); nothing was concluded from it");
    } finally {
      response.getPayload().release();
    }
  }

  /** The {@code item} elements of the set {@code name} under {@code e} ({@code imagesSet}, {@code addressesSet}...). */
  public static List<Element> items(Element e, String name) {
    Element set = SafeXml.child(e, name);
    List<Element> out = new ArrayList<>();
    if (set != null) {
      for (Element item : SafeXml.children(set)) {
        if (item.getTagName().equals("item")) {
          out.add(item);
        }
      }
    }
    return out;
  }
}
