package dev.flotilla.vm.aws;

import dev.flotilla.vm.Capability;
import dev.flotilla.vm.CloudException;
import dev.flotilla.vm.CloudException.Kind;
import dev.flotilla.vm.ConfigurationException;
import dev.flotilla.vm.Image;
import dev.flotilla.vm.Instance;
import dev.flotilla.vm.InstanceType;
import dev.flotilla.vm.KeyPair;
import dev.flotilla.vm.Lifecycle.State;
import dev.flotilla.vm.Node;
import dev.flotilla.vm.aws.internal.Ec2Errors;
import dev.flotilla.vm.aws.internal.NodeNames;
import dev.flotilla.vm.spi.CreateRequest;
import dev.flotilla.vm.jclouds.Calls;
import dev.flotilla.vm.jclouds.Lazy;
import dev.flotilla.vm.spi.Provider;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jclouds.ContextBuilder;
import org.jclouds.aws.ec2.AWSEC2Api;
import org.jclouds.aws.ec2.domain.AWSRunningInstance;
import org.jclouds.aws.ec2.features.AWSInstanceApi;
import org.jclouds.ec2.domain.Reservation;
import org.jclouds.ec2.domain.RunningInstance;

/**
 * An EC2 account in one region, on jclouds' EC2 API (not its portable ComputeService). N identical
 * machines are one RunInstances with a ClientToken, tagged at launch (TagSpecification); describe, start,
 * stop, reboot and terminate take any number of ids in one call each. Every answer is checked before
 * jclouds reads it ({@link Ec2Answers}). The jclouds context is built on the first call.
 */
final class AwsProvider implements Provider {
  static final String NODES_TAG = "flotilla:nodes";
  /** The EC2 API version sent: the first with TagSpecification on RunInstances. */
  static final String API_VERSION = "2016-11-15";
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(AwsProvider.class);
  private static final List<String> OPTIONS = List.of("InstanceType", "KeyName", "SubnetId", "IamInstanceProfile.Name",
      "PlacementGroup");
  private static final Pattern INSTANCE_ID = Pattern.compile("i-[0-9a-f]+");

  private final String region;
  private final String defaultImage;
  private final Lazy<AWSEC2Api> api;
  private final Calls calls;

  AwsProvider(String profile, String region, String defaultImage, java.util.function.Supplier<ContextBuilder> builder) {
    this.calls = new Calls(AwsProviderFactory.ID, profile, Ec2Errors::classify);
    this.region = region;
    this.defaultImage = defaultImage;
    this.api = new Lazy<>(() -> builder.get().buildApi(AWSEC2Api.class));
  }

  @Override
  public String api() {
    return AwsProviderFactory.ID;
  }

  @Override
  public Set<Capability> capabilities() {
    return AwsProviderFactory.CAPABILITIES;
  }

  private AWSInstanceApi instances() {
    return api.get().getInstanceApiForRegion(region).get();
  }

  @Override
  public List<Instance> create(CreateRequest request) {
    Node spec = request.spec();
    String image = spec.image().orElse(defaultImage);
    if (image == null) {
      throw new ConfigurationException(null, "image", "no AMI given: set the node's image (vm.image) or the profile's"
          + " default_image; Flotilla does not guess an AMI, since AMI ids differ in every region");
    }
    for (String key : spec.options().keySet()) {
      if (!OPTIONS.contains(key)) {
        throw new ConfigurationException(null, "vm.options." + key, "is not an option the EC2 adapter passes on; it"
            + " knows " + String.join(", ", OPTIONS));
      }
    }
    List<List<String>> launches = NodeNames.chunks(request.nodeNames());
    List<Instance> out = new ArrayList<>();
    for (int k = 0; k < launches.size(); k++) {
      // one token per RunInstances; every VM carries the request's in its tags
      String token = launches.size() == 1 ? request.clientToken() : request.clientToken() + "-" + k;
      out.addAll(launch(request, image, launches.get(k), token));
    }
    return out;
  }

  /**
   * One RunInstances for {@code names}, tagged at launch: the request's tags, and the node names in one
   * value each instance reads by its launch index, so no instance is ever without its node's name.
   */
  private List<Instance> launch(CreateRequest request, String image, List<String> names, String token) {
    Node spec = request.spec();
    Map<String, String> tags = launchTags(request, names);
    TaggedRunInstancesOptions options = new TaggedRunInstancesOptions(tags);
    // the node's type, else the InstanceType option (the node's, or its profile's default_options), else t3.micro
    options.asType(spec.type().orElse(spec.options().getOrDefault("InstanceType", "t3.micro")));
    options.withClientToken(token);
    spec.keyPair().or(() -> java.util.Optional.ofNullable(spec.options().get("KeyName"))).ifPresent(options::withKeyName);
    if (!spec.securityGroups().isEmpty()) {
      options.withSecurityGroups(spec.securityGroups());
    }
    spec.userData().ifPresent(u -> options.withUserData(u.getBytes(StandardCharsets.UTF_8)));
    java.util.Optional.ofNullable(spec.options().get("SubnetId")).ifPresent(options::withSubnetId);
    java.util.Optional.ofNullable(spec.options().get("IamInstanceProfile.Name")).ifPresent(options::withIAMInstanceProfileName);
    java.util.Optional.ofNullable(spec.options().get("PlacementGroup")).ifPresent(options::inPlacementGroup);
    int n = names.size();
    Reservation<? extends AWSRunningInstance> reservation = calls.call("RunInstances", () -> instances().runInstancesInRegion(
        region, spec.zone().orElse(null), image, n, n, options));
    List<AWSRunningInstance> launched = new ArrayList<>(reservation);
    launched.sort(Comparator.comparingInt(i -> launchIndex(i)));
    List<Instance> out = new ArrayList<>();
    for (int i = 0; i < launched.size(); i++) {
      Map<String, String> own = new LinkedHashMap<>(launched.get(i).getTags());
      own.putAll(request.tagsFor(names.get(i)));
      out.add(toInstance(launched.get(i), own));
    }
    return out;
  }

  /** The tags of one launch: the request's, its labels, and its node names (one, or all encoded). */
  private static Map<String, String> launchTags(CreateRequest request, List<String> names) {
    Map<String, String> tags = new LinkedHashMap<>(request.tags());
    request.spec().tags().forEach(label -> tags.put("flotilla:tag:" + label, ""));
    String encoded = names.size() == 1 ? names.get(0) : NodeNames.encode(names).orElseThrow();
    tags.put(names.size() == 1 ? Instance.NODE_TAG : NODES_TAG, encoded);
    tags.put("Name", encoded);
    return tags;
  }

  private static int launchIndex(RunningInstance i) {
    try {
      return Integer.parseInt(i.getAmiLaunchIndex());
    } catch (RuntimeException e) {
      return 0;
    }
  }

  /**
   * One DescribeInstances for any number of ids, filtered on {@code instance-id}: unlike a list of ids,
   * a filter does not fail the whole call for ids EC2 does not know (yet), it leaves them out.
   */
  @Override
  public List<Instance> describe(Collection<String> ids) {
    if (ids.isEmpty()) {
      return List.of();
    }
    com.google.common.collect.Multimap<String, String> filter = com.google.common.collect.LinkedHashMultimap.create();
    filter.putAll("instance-id", ids);
    return instancesOf(calls.call("DescribeInstances", () -> instances().describeInstancesInRegionWithFilter(region, filter)));
  }

  private static Set<String> idsIn(String message) {
    Set<String> out = new LinkedHashSet<>();
    Matcher m = INSTANCE_ID.matcher(message == null ? "" : message);
    while (m.find()) {
      out.add(m.group());
    }
    return out;
  }

  @Override
  public List<Instance> list() {
    return instancesOf(calls.call("DescribeInstances", () -> instances().describeInstancesInRegion(region)));
  }

  private List<Instance> instancesOf(Set<? extends Reservation<? extends AWSRunningInstance>> reservations) {
    List<Instance> out = new ArrayList<>();
    for (Reservation<? extends AWSRunningInstance> r : reservations) {
      for (AWSRunningInstance i : r) {
        out.add(toInstance(i, i.getTags()));
      }
    }
    return out;
  }

  private Instance toInstance(AWSRunningInstance i, Map<String, String> ec2Tags) {
    Map<String, String> tags = new LinkedHashMap<>(ec2Tags);
    if (!tags.containsKey(Instance.NODE_TAG) && tags.containsKey(NODES_TAG)) {
      NodeNames.at(tags.get(NODES_TAG), launchIndex(i)).ifPresent(n -> tags.put(Instance.NODE_TAG, n));
    }
    String raw = i.getRawState();
    return Instance.builder(i.getId(), state(raw)).providerState(raw).type(i.getInstanceType()).image(i.getImageId())
        .zone(i.getAvailabilityZone()).publicAddress(i.getIpAddress()).privateAddress(i.getPrivateIpAddress())
        .launchTime(i.getLaunchTime() == null ? null : i.getLaunchTime().toInstant()).tags(tags)
        .fault(i.getReason()).build();
  }

  /** EC2's instance states: pending, running, stopping, stopped, shutting-down, terminated. */
  static State state(String raw) {
    return switch (raw == null ? "" : raw) {
      case "pending" -> State.PENDING;
      case "running" -> State.RUNNING;
      case "stopping" -> State.STOPPING;
      case "stopped" -> State.STOPPED;
      case "shutting-down" -> State.TERMINATING;
      case "terminated" -> State.TERMINATED;
      default -> State.UNKNOWN;
    };
  }

  @Override
  public void start(Collection<String> ids) {
    calls.run("StartInstances", () -> instances().startInstancesInRegion(region, ids.toArray(String[]::new)));
  }

  @Override
  public void stop(Collection<String> ids, boolean force) {
    calls.run("StopInstances", () -> instances().stopInstancesInRegion(region, force, ids.toArray(String[]::new)));
  }

  @Override
  public void reboot(Collection<String> ids) {
    calls.run("RebootInstances", () -> instances().rebootInstancesInRegion(region, ids.toArray(String[]::new)));
  }

  @Override
  public void terminate(Collection<String> ids) {
    try {
      calls.run("TerminateInstances", () -> instances().terminateInstancesInRegion(region, ids.toArray(String[]::new)));
    } catch (CloudException e) {
      // Terminating what EC2 no longer knows is done already; terminated instances are accepted by EC2 itself.
      if (e.kind() != Kind.NOT_FOUND) {
        throw e;
      }
      Set<String> rest = new LinkedHashSet<>(ids);
      rest.removeAll(idsIn(e.getMessage()));
      if (!rest.isEmpty() && rest.size() < ids.size()) {
        terminate(rest);
      }
    }
  }

  @Override
  public void tag(String id, Map<String, String> tags) {
    calls.run("CreateTags", () -> api.get().getTagApiForRegion(region).get().applyToResources(tags, List.of(id)));
  }

  @Override
  public List<InstanceType> types() {
    return AwsProviderFactory.TYPES;
  }

  @Override
  public List<Image> images() {
    return calls.call("DescribeImages", () -> api.get().getAMIApiForRegion(region).get().describeImagesInRegion(region,
        org.jclouds.ec2.options.DescribeImagesOptions.Builder.ownedBy("self"))).stream()
        .map(i -> new Image(i.getId(), i.getName(), i.getImageOwnerId())).toList();
  }

  @Override
  public Image createImage(String id, String name) {
    String imageId = calls.call("CreateImage", () -> api.get().getAMIApiForRegion(region).get().createImageInRegion(region, name, id));
    return new Image(imageId, name, "self");
  }

  /** {@code available} is READY; {@code pending} (which jclouds 2.7.0 reads as UNRECOGNIZED) is CREATING. */
  @Override
  public java.util.Optional<dev.flotilla.vm.Snapshot.Status> imageStatus(String imageId) {
    return calls.call("DescribeImages", () -> api.get().getAMIApiForRegion(region).get().describeImagesInRegion(region,
        org.jclouds.ec2.options.DescribeImagesOptions.Builder.imageIds(imageId))).stream()
        .filter(i -> imageId.equals(i.getId())).findFirst().flatMap(i -> switch (i.getImageState()) {
          case AVAILABLE -> java.util.Optional.of(dev.flotilla.vm.Snapshot.Status.READY);
          case DEREGISTERED -> java.util.Optional.<dev.flotilla.vm.Snapshot.Status>empty();
          default -> java.util.Optional.of(dev.flotilla.vm.Snapshot.Status.CREATING);
        });
  }

  @Override
  public void deleteImage(String imageId) {
    calls.run("DeregisterImage", () -> api.get().getAMIApiForRegion(region).get().deregisterImageInRegion(region, imageId));
  }

  @Override
  public KeyPair importKey(String name, String publicKey) {
    if (!publicKey.trim().startsWith("ssh-rsa ")) {
      throw new ConfigurationException(null, "public key", "jclouds 2.7.0 imports only ssh-rsa keys into EC2, and this"
          + " is a " + publicKey.trim().split("\\s+")[0] + " key; register an RSA key (ssh-keygen -t rsa -b 4096), or import"
          + " this one with the AWS console and name it as the node's key pair");
    }
    org.jclouds.ec2.domain.KeyPair k = calls.call("ImportKeyPair", () -> api.get().getKeyPairApiForRegion(region).get()
        .importKeyPairInRegion(region, name, publicKey.trim()));
    return keyPair(k);
  }

  /** jclouds reads EC2's keyFingerprint into "sha1OfPrivateKey", whatever the key. */
  private static KeyPair keyPair(org.jclouds.ec2.domain.KeyPair k) {
    return new KeyPair(k.getKeyName(), k.getFingerprint() != null ? k.getFingerprint() : k.getSha1OfPrivateKey());
  }

  @Override
  public List<KeyPair> keys() {
    return calls.call("DescribeKeyPairs", () -> api.get().getKeyPairApiForRegion(region).get().describeKeyPairsInRegion(region))
        .stream().map(AwsProvider::keyPair).toList();
  }

  /** Whether the jclouds context has been built (it is, on the first call). */
  boolean contextBuilt() {
    return api.isBuilt();
  }

  @Override
  public void close() {
    api.close();
  }
}
