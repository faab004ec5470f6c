/**
 * CRI `runtime.v1`, part 1 of 4: the two services and the runtime-level messages
 * (version, status, runtime config, streaming endpoints). Written for kubets from
 * the upstream k8s.io/cri-api/pkg/apis/runtime/v1/api.proto (Kubernetes v1.32):
 * field numbers and names match upstream exactly, because they are the wire
 * contract; only the subset kubets uses is declared (unknown fields are skipped by
 * the decoder, so a newer runtime is still readable). Windows-only messages are
 * left out.
 */
export const servicesProto = `
syntax = "proto3";
package runtime.v1;

service RuntimeService {
  rpc Version(VersionRequest) returns (VersionResponse) {}
  rpc RunPodSandbox(RunPodSandboxRequest) returns (RunPodSandboxResponse) {}
  rpc StopPodSandbox(StopPodSandboxRequest) returns (StopPodSandboxResponse) {}
  rpc RemovePodSandbox(RemovePodSandboxRequest) returns (RemovePodSandboxResponse) {}
  rpc PodSandboxStatus(PodSandboxStatusRequest) returns (PodSandboxStatusResponse) {}
  rpc ListPodSandbox(ListPodSandboxRequest) returns (ListPodSandboxResponse) {}
  rpc CreateContainer(CreateContainerRequest) returns (CreateContainerResponse) {}
  rpc StartContainer(StartContainerRequest) returns (StartContainerResponse) {}
  rpc StopContainer(StopContainerRequest) returns (StopContainerResponse) {}
  rpc RemoveContainer(RemoveContainerRequest) returns (RemoveContainerResponse) {}
  rpc ListContainers(ListContainersRequest) returns (ListContainersResponse) {}
  rpc ContainerStatus(ContainerStatusRequest) returns (ContainerStatusResponse) {}
  rpc UpdateContainerResources(UpdateContainerResourcesRequest) returns (UpdateContainerResourcesResponse) {}
  rpc ReopenContainerLog(ReopenContainerLogRequest) returns (ReopenContainerLogResponse) {}
  rpc ExecSync(ExecSyncRequest) returns (ExecSyncResponse) {}
  rpc Exec(ExecRequest) returns (ExecResponse) {}
  rpc Attach(AttachRequest) returns (AttachResponse) {}
  rpc PortForward(PortForwardRequest) returns (PortForwardResponse) {}
  rpc ContainerStats(ContainerStatsRequest) returns (ContainerStatsResponse) {}
  rpc ListContainerStats(ListContainerStatsRequest) returns (ListContainerStatsResponse) {}
  rpc PodSandboxStats(PodSandboxStatsRequest) returns (PodSandboxStatsResponse) {}
  rpc ListPodSandboxStats(ListPodSandboxStatsRequest) returns (ListPodSandboxStatsResponse) {}
  rpc UpdateRuntimeConfig(UpdateRuntimeConfigRequest) returns (UpdateRuntimeConfigResponse) {}
  rpc Status(StatusRequest) returns (StatusResponse) {}
}

service ImageService {
  rpc ListImages(ListImagesRequest) returns (ListImagesResponse) {}
  rpc ImageStatus(ImageStatusRequest) returns (ImageStatusResponse) {}
  rpc PullImage(PullImageRequest) returns (PullImageResponse) {}
  rpc RemoveImage(RemoveImageRequest) returns (RemoveImageResponse) {}
  rpc ImageFsInfo(ImageFsInfoRequest) returns (ImageFsInfoResponse) {}
}

message VersionRequest {
  string version = 1;
}

message VersionResponse {
  string version = 1;
  string runtime_name = 2;
  string runtime_version = 3;
  string runtime_api_version = 4;
}

message NetworkConfig {
  string pod_cidr = 1;
}

message RuntimeConfig {
  NetworkConfig network_config = 1;
}

message UpdateRuntimeConfigRequest {
  RuntimeConfig runtime_config = 1;
}

message UpdateRuntimeConfigResponse {}

message RuntimeCondition {
  string type = 1;
  bool status = 2;
  string reason = 3;
  string message = 4;
}

message RuntimeStatus {
  repeated RuntimeCondition conditions = 1;
}

message StatusRequest {
  bool verbose = 1;
}

message RuntimeHandlerFeatures {
  bool recursive_read_only_mounts = 1;
  bool user_namespaces = 2;
}

message RuntimeHandler {
  string name = 1;
  RuntimeHandlerFeatures features = 2;
}

message RuntimeFeatures {
  bool supplemental_groups_policy = 1;
}

message StatusResponse {
  RuntimeStatus status = 1;
  map<string, string> info = 2;
  repeated RuntimeHandler runtime_handlers = 3;
  RuntimeFeatures features = 4;
}

message ExecSyncRequest {
  string container_id = 1;
  repeated string cmd = 2;
  int64 timeout = 3;
}

message ExecSyncResponse {
  bytes stdout = 1;
  bytes stderr = 2;
  int32 exit_code = 3;
}

message ExecRequest {
  string container_id = 1;
  repeated string cmd = 2;
  bool tty = 3;
  bool stdin = 4;
  bool stdout = 5;
  bool stderr = 6;
}

message ExecResponse {
  string url = 1;
}

message AttachRequest {
  string container_id = 1;
  bool stdin = 2;
  bool tty = 3;
  bool stdout = 4;
  bool stderr = 5;
}

message AttachResponse {
  string url = 1;
}

message PortForwardRequest {
  string pod_sandbox_id = 1;
  repeated int32 port = 2;
}

message PortForwardResponse {
  string url = 1;
}
`;
