package dev.flotilla.vm.aws;

import java.util.Map;
import org.jclouds.aws.ec2.options.AWSRunInstancesOptions;

/**
 * RunInstances options with tags applied at launch ({@code TagSpecification.1}, for instances), which
 * jclouds 2.7.0 has no setter for: the instances exist only ever tagged.
 */
final class TaggedRunInstancesOptions extends AWSRunInstancesOptions {
  TaggedRunInstancesOptions(Map<String, String> tags) {
    formParameters.put("TagSpecification.1.ResourceType", "instance");
    int i = 1;
    for (Map.Entry<String, String> tag : tags.entrySet()) {
      formParameters.put("TagSpecification.1.Tag." + i + ".Key", tag.getKey());
      formParameters.put("TagSpecification.1.Tag." + i + ".Value", tag.getValue());
      i++;
    }
  }
}
