/**
 * Amazon EC2 and EC2-compatible clouds on jclouds {@code aws-ec2} (api id {@code aws}): see {@link
 * dev.flotilla.vm.aws.AwsProviderFactory}.
 */
package dev.flotilla.vm.aws;
