/**
 * Amazon EC2 and EC2-compatible clouds on jclouds {@code aws-ec2} (api id {@code aws}).
 *
 * <p>Not yet usable: this module compiles against jclouds so that the build checks its dependencies,
 * but registers no provider until the EC2 adapter lands.
 */
package dev.flotilla.vm.aws;
