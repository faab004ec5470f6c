/**
 * CRI `runtime.v1`, part 4 of 4: images (ImageService) and resource statistics
 * (container, sandbox and image-filesystem usage). Field numbers are upstream's
 * (Kubernetes v1.32 api.proto); see services.ts for the rules.
 */
export const imageStatsProto = `
syntax = "proto3";
package runtime.v1;

message ImageSpec {
  string image = 1;
  map<string, string> annotations = 2;
  string user_specified_image = 18;
  string runtime_handler = 19;
}

message ImageFilter {
  ImageSpec image = 1;
}

message ListImagesRequest {
  ImageFilter filter = 1;
}

message Image {
  string id = 1;
  repeated string repo_tags = 2;
  repeated string repo_digests = 3;
  uint64 size = 4;
  Int64Value uid = 5;
  string username = 6;
  ImageSpec spec = 7;
  bool pinned = 8;
}

message ListImagesResponse {
  repeated Image images = 1;
}

message ImageStatusRequest {
  ImageSpec image = 1;
  bool verbose = 2;
}

message ImageStatusResponse {
  Image image = 1;
  map<string, string> info = 2;
}

message AuthConfig {
  string username = 1;
  string password = 2;
  string auth = 3;
  string server_address = 4;
  string identity_token = 5;
  string registry_token = 6;
}

message PullImageRequest {
  ImageSpec image = 1;
  AuthConfig auth = 2;
  PodSandboxConfig sandbox_config = 3;
}

message PullImageResponse {
  string image_ref = 1;
}

message RemoveImageRequest {
  ImageSpec image = 1;
}

message RemoveImageResponse {}

message ImageFsInfoRequest {}

message UInt64Value {
  uint64 value = 1;
}

message FilesystemIdentifier {
  string mountpoint = 1;
}

message FilesystemUsage {
  int64 timestamp = 1;
  FilesystemIdentifier fs_id = 2;
  UInt64Value used_bytes = 3;
  UInt64Value inodes_used = 4;
}

message ImageFsInfoResponse {
  repeated FilesystemUsage image_filesystems = 1;
  repeated FilesystemUsage container_filesystems = 2;
}

message CpuUsage {
  int64 timestamp = 1;
  UInt64Value usage_core_nano_seconds = 2;
  UInt64Value usage_nano_cores = 3;
}

message MemoryUsage {
  int64 timestamp = 1;
  UInt64Value working_set_bytes = 2;
  UInt64Value available_bytes = 3;
  UInt64Value usage_bytes = 4;
  UInt64Value rss_bytes = 5;
  UInt64Value page_faults = 6;
  UInt64Value major_page_faults = 7;
}

message SwapUsage {
  int64 timestamp = 1;
  UInt64Value swap_available_bytes = 2;
  UInt64Value swap_usage_bytes = 3;
}

message ContainerAttributes {
  string id = 1;
  ContainerMetadata metadata = 2;
  map<string, string> labels = 3;
  map<string, string> annotations = 4;
}

message ContainerStats {
  ContainerAttributes attributes = 1;
  CpuUsage cpu = 2;
  MemoryUsage memory = 3;
  FilesystemUsage writable_layer = 4;
  SwapUsage swap = 5;
}

message ContainerStatsRequest {
  string container_id = 1;
}

message ContainerStatsResponse {
  ContainerStats stats = 1;
}

message ContainerStatsFilter {
  string id = 1;
  string pod_sandbox_id = 2;
  map<string, string> label_selector = 3;
}

message ListContainerStatsRequest {
  ContainerStatsFilter filter = 1;
}

message ListContainerStatsResponse {
  repeated ContainerStats stats = 1;
}

message NetworkInterfaceUsage {
  string name = 1;
  UInt64Value rx_bytes = 2;
  UInt64Value rx_errors = 3;
  UInt64Value tx_bytes = 4;
  UInt64Value tx_errors = 5;
}

message NetworkUsage {
  int64 timestamp = 1;
  NetworkInterfaceUsage default_interface = 2;
  repeated NetworkInterfaceUsage interfaces = 3;
}

message ProcessUsage {
  int64 timestamp = 1;
  UInt64Value process_count = 2;
}

message PodSandboxAttributes {
  string id = 1;
  PodSandboxMetadata metadata = 2;
  map<string, string> labels = 3;
  map<string, string> annotations = 4;
}

message LinuxPodSandboxStats {
  CpuUsage cpu = 1;
  MemoryUsage memory = 2;
  NetworkUsage network = 3;
  ProcessUsage process = 4;
  repeated ContainerStats containers = 5;
}

message PodSandboxStats {
  PodSandboxAttributes attributes = 1;
  LinuxPodSandboxStats linux = 2;
}

message PodSandboxStatsRequest {
  string pod_sandbox_id = 1;
}

message PodSandboxStatsResponse {
  PodSandboxStats stats = 1;
}

message PodSandboxStatsFilter {
  string id = 1;
  map<string, string> label_selector = 2;
}

message ListPodSandboxStatsRequest {
  PodSandboxStatsFilter filter = 1;
}

message ListPodSandboxStatsResponse {
  repeated PodSandboxStats stats = 1;
}
`;
