package dev.flotilla.vm.aws;

import dev.flotilla.vm.Capability;
import dev.flotilla.vm.ConfigurationException;
import dev.flotilla.vm.InstanceType;
import dev.flotilla.vm.Profile;
import dev.flotilla.vm.Secret;
import dev.flotilla.vm.aws.internal.Ec2Answers;
import dev.flotilla.vm.support.Endpoints;
import dev.flotilla.vm.support.Transport;
import dev.flotilla.vm.aws.internal.LocalEndpointModule;
import dev.flotilla.vm.jclouds.CheckedHttpModule;
import dev.flotilla.vm.jclouds.QuietLogging;
import dev.flotilla.vm.spi.Provider;
import dev.flotilla.vm.spi.ProviderFactory;
import java.net.URI;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.jclouds.Constants;
import org.jclouds.ContextBuilder;
import org.jclouds.aws.ec2.AWSEC2ProviderMetadata;

/**
 * Amazon EC2 and EC2-compatible clouds, on jclouds {@code aws-ec2} (api id {@code aws}). The profile
 * gives the region, the access key and secret, and optionally an endpoint (any EC2-compatible service,
 * {@code http://127.0.0.1:PORT} included). Opening a provider builds nothing: jclouds' context, which
 * costs about a second of CPU, is built on the first call, once per profile.
 */
public final class AwsProviderFactory implements ProviderFactory {
  /** The api id. */
  public static final String ID = "aws";

  /** What EC2 can do through this adapter. */
  static final Set<Capability> TRAITS = java.util.Collections.unmodifiableSet(EnumSet.of(Capability.STOP_START,
      Capability.REBOOT, Capability.USER_DATA, Capability.IDEMPOTENT_CREATE, Capability.TAGS,
      Capability.ANTI_AFFINITY));

  /** A few current general-purpose types, for {@code vm types}; EC2 accepts any type name it knows. */
  static final List<InstanceType> TYPES = List.of(
      new InstanceType("t2.nano", 1, 512, 0, false),
      new InstanceType("t2.micro", 1, 1024, 0, false),
      new InstanceType("t2.small", 1, 2048, 0, false),
      new InstanceType("t2.medium", 2, 4096, 0, false),
      new InstanceType("t3.nano", 2, 512, 0, false),
      new InstanceType("t3.micro", 2, 1024, 0, true),
      new InstanceType("t3.small", 2, 2048, 0, false),
      new InstanceType("t3.medium", 2, 4096, 0, false),
      new InstanceType("m5.large", 2, 8192, 0, false),
      new InstanceType("m5.xlarge", 4, 16384, 0, false),
      new InstanceType("c5.xlarge", 4, 8192, 0, false));

  @Override
  public String id() {
    return ID;
  }

  @Override
  public String description() {
    return "Amazon EC2 and EC2-compatible clouds (jclouds aws-ec2)";
  }

  @Override
  public Map<String, String> settings() {
    Map<String, String> out = new LinkedHashMap<>();
    out.put("create_security_groups", "true to make the security groups nodes name that the region lacks, with the"
        + " TCP ports of the node's option 'ports' (22,80,443) open; otherwise such a group is an error");
    out.put("page_size", "how many instances a DescribeInstances page asks for (MaxResults, 5 to 1000; default 1000)");
    out.put("subnet_id", "the subnet nodes launch into (subnet-...), and so the VPC their security groups are found"
        + " in by name; a node's SubnetId option says another; by default the region's default VPC");
    out.put("max_parallel", "how many RunInstances run at once, one per node (default 8)");
    out.put("max_list_items", "the most instances one listing may hold before it is refused as endless (default"
        + " 20000)");
    return out;
  }

  /** The profile's subnet_id, checked to be one. */
  private static String subnet(Profile profile) {
    String subnet = profile.setting("subnet_id").map(String::trim).orElse(null);
    if (subnet != null && !subnet.matches("subnet-[0-9a-f]{1,17}")) {
      throw new ConfigurationException(null, "profiles." + profile.name() + ".auth.subnet_id", "is '"
          + dev.flotilla.vm.CloudException.quoted(subnet) + "', not a subnet id; copy one (subnet-...) from the VPC console");
    }
    return subnet;
  }

  @Override
  public Provider open(Profile profile) {
    String region = profile.region().orElseThrow(() -> new ConfigurationException(null, "profiles." + profile.name()
        + ".auth.region", "is missing; name the EC2 region, such as us-east-1"));
    String identity = profile.identity().orElseThrow(() -> new ConfigurationException(null, "profiles." + profile.name()
        + ".auth.aws_access_key_id", "is missing"));
    Secret secret = profile.secret().orElseThrow(() -> new ConfigurationException(null, "profiles." + profile.name()
        + ".auth.aws_secret_access_key", "is missing"));
    URI endpoint = profile.endpoint().map(e -> Endpoints.http(e, "profiles." + profile.name() + ".auth.endpoint"))
        .orElse(null);
    Transport transport = Transport.of(profile);
    boolean createGroups = Boolean.parseBoolean(profile.setting("create_security_groups").orElse("false"));
    int pageSize = Math.max(5, profile.number("page_size", 1000).orElse(1000));
    int maxListItems = profile.number("max_list_items", 10_000_000).orElse(20_000);
    return new AwsProvider(profile.name(), region, profile.defaultImage().orElse(null),
        profile.defaultOptions().get("InstanceType"), new AwsProvider.Limits(pageSize, maxListItems,
        profile.number("max_parallel", 64).orElse(8)), createGroups, subnet(profile), () -> {
      Properties overrides = new Properties();
      // Retries belong to Flotilla's core, with backoff and a budget; jclouds' would multiply them.
      overrides.setProperty(Constants.PROPERTY_MAX_RETRIES, "0");
      overrides.putAll(CheckedHttpModule.overrides(transport));
      overrides.setProperty("jclouds.regions", region);
      // TagSpecification (tags at launch, so no VM is ever untagged) needs EC2 API 2016-11-15 or later
      overrides.setProperty(Constants.PROPERTY_API_VERSION, AwsProvider.API_VERSION);
      List<com.google.inject.Module> modules = new ArrayList<>(List.of(new QuietLogging(),
          new CheckedHttpModule(new Ec2Answers(), transport)));
      ContextBuilder b = ContextBuilder.newBuilder(new AWSEC2ProviderMetadata()).credentials(identity, secret.reveal())
          .overrides(overrides);
      if (endpoint != null) {
        b.endpoint(endpoint.toString());
        modules.add(new LocalEndpointModule(region, endpoint));
      }
      return b.modules(modules);
    });
  }
}
