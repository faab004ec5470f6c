/**
 * Request bodies captured from real kubectl v1.32.3 (typed clientset, protobuf) against a
 * loopback stub, with the JSON kubectl prints for the same command under
 * `--dry-run=client -o json` (its Go structs through encoding/json; `null`s removed,
 * since the decoder leaves zero times out). The review kinds have no dry-run form.
 * Regenerate only by re-capturing; never edit by hand.
 */
export interface KubectlBody {
  name: string;
  command: string;
  path: string;
  hex: string;
  dryRun?: Record<string, unknown>;
}

export const kubectlBodies: KubectlBody[] = [
  {
    name: 'deployment',
    command: 'kubectl create deployment web --image=nginx --replicas=3 --port=80',
    path: '/apis/apps/v1/namespaces/default/deployments',
    hex: '6b3873000a150a07617070732f7631120a4465706c6f796d656e7412b8010a1f0a0377656212001a0022002a003200380042005a0a0a0361707012037765621286010803120c0a0a0a0361707012037765621a6c0a1c0a0012001a0022002a003200380042005a0a0a036170701203776562124c122e0a056e67696e7812056e67696e782a00320a0a001000185022002a0042006a007200800100880100900100a201001a00320042004a0052005800600068008201008a01009a0100c2010022020a00280038001a0c0800100018002000280038001a002200',
    dryRun: {
      kind: 'Deployment',
      apiVersion: 'apps/v1',
      metadata: { name: 'web', labels: { app: 'web' } },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { containers: [{ name: 'nginx', image: 'nginx', ports: [{ containerPort: 80 }], resources: {} }] },
        },
        strategy: {},
      },
      status: {},
    },
  },
  {
    name: 'configmap',
    command: 'kubectl create configmap cfg --from-literal=a=1 --from-literal=b=two',
    path: '/api/v1/namespaces/default/configmaps',
    hex: '6b3873000a0f0a0276311209436f6e6669674d617012270a130a0363666712001a0022002a0032003800420012060a016112013112080a0162120374776f1a002200',
    dryRun: { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'cfg' }, data: { a: '1', b: 'two' } },
  },
  {
    name: 'secret',
    command: 'kubectl create secret generic sec --from-literal=user=admin --from-literal=pw=s3cr3t',
    path: '/api/v1/namespaces/default/secrets',
    hex: '6b3873000a0c0a027631120653656372657412340a130a0373656312001a0022002a00320038004200120c0a0270771206733363723374120d0a0475736572120561646d696e1a001a002200',
    dryRun: { kind: 'Secret', apiVersion: 'v1', metadata: { name: 'sec' }, data: { pw: 'czNjcjN0', user: 'YWRtaW4=' } },
  },
  {
    name: 'namespace',
    command: 'kubectl create namespace ns1',
    path: '/api/v1/namespaces',
    hex: '6b3873000a0f0a02763112094e616d657370616365121b0a130a036e733112001a0022002a0032003800420012001a020a001a002200',
    dryRun: { kind: 'Namespace', apiVersion: 'v1', metadata: { name: 'ns1' }, spec: {}, status: {} },
  },
  {
    name: 'serviceaccount',
    command: 'kubectl create serviceaccount sa1',
    path: '/api/v1/namespaces/default/serviceaccounts',
    hex: '6b3873000a140a027631120e536572766963654163636f756e7412150a130a0373613112001a0022002a003200380042001a002200',
    dryRun: { kind: 'ServiceAccount', apiVersion: 'v1', metadata: { name: 'sa1' } },
  },
  {
    name: 'service',
    command: 'kubectl create service clusterip svc1 --tcp=80:8080',
    path: '/api/v1/namespaces/default/services',
    hex: '6b3873000a0d0a027631120753657276696365126c0a210a047376633112001a0022002a003200380042005a0b0a0361707012047376633112430a1b0a0738302d38303830120354435018502207080010903f1a002800120b0a036170701204737663311a002209436c757374657249503a00420052005a00600068001a020a001a002200',
    dryRun: {
      kind: 'Service',
      apiVersion: 'v1',
      metadata: { name: 'svc1', labels: { app: 'svc1' } },
      spec: {
        ports: [{ name: '80-8080', protocol: 'TCP', port: 80, targetPort: 8080 }],
        selector: { app: 'svc1' },
        type: 'ClusterIP',
      },
      status: { loadBalancer: {} },
    },
  },
  {
    name: 'servicenodeport',
    command: 'kubectl create service nodeport svc2 --tcp=80:http --node-port=30080',
    path: '/api/v1/namespaces/default/services',
    hex: '6b3873000a0d0a02763112075365727669636512700a210a047376633212001a0022002a003200380042005a0b0a0361707012047376633212470a200a0738302d6874747012035443501850220a080110001a04687474702880eb01120b0a036170701204737663321a0022084e6f6465506f72743a00420052005a00600068001a020a001a002200',
    dryRun: {
      kind: 'Service',
      apiVersion: 'v1',
      metadata: { name: 'svc2', labels: { app: 'svc2' } },
      spec: {
        ports: [{ name: '80-http', protocol: 'TCP', port: 80, targetPort: 'http', nodePort: 30080 }],
        selector: { app: 'svc2' },
        type: 'NodePort',
      },
      status: { loadBalancer: {} },
    },
  },
  {
    name: 'job',
    command: 'kubectl create job job1 --image=busybox -- echo hi',
    path: '/apis/batch/v1/namespaces/default/jobs',
    hex: '6b3873000a0f0a0862617463682f763112034a6f621288010a140a046a6f623112001a0022002a00320038004200126632640a100a0012001a0022002a003200380042001250122d0a046a6f6231120762757379626f781a046563686f1a0268692a0042006a007200800100880100900100a201001a054e65766572320042004a0052005800600068008201008a01009a0100c201001a082000280030003a001a002200',
    dryRun: {
      kind: 'Job',
      apiVersion: 'batch/v1',
      metadata: { name: 'job1' },
      spec: {
        template: {
          metadata: {},
          spec: {
            containers: [{ name: 'job1', image: 'busybox', command: ['echo', 'hi'], resources: {} }],
            restartPolicy: 'Never',
          },
        },
      },
      status: {},
    },
  },
  {
    name: 'cronjob',
    command: "kubectl create cronjob cj1 --image=busybox --schedule='*/5 * * * *' -- date",
    path: '/apis/batch/v1/namespaces/default/cronjobs',
    hex: '6b3873000a130a0862617463682f7631120743726f6e4a6f6212a7010a130a03636a3112001a0022002a00320038004200128d010a0b2a2f35202a202a202a202a1a002a7c0a130a03636a3112001a0022002a00320038004200126532630a100a0012001a0022002a00320038004200124f12280a03636a31120762757379626f781a04646174652a0042006a007200800100880100900100a201001a094f6e4661696c757265320042004a0052005800600068008201008a01009a0100c201001a001a002200',
    dryRun: {
      kind: 'CronJob',
      apiVersion: 'batch/v1',
      metadata: { name: 'cj1' },
      spec: {
        schedule: '*/5 * * * *',
        jobTemplate: {
          metadata: { name: 'cj1' },
          spec: {
            template: {
              metadata: {},
              spec: {
                containers: [{ name: 'cj1', image: 'busybox', command: ['date'], resources: {} }],
                restartPolicy: 'OnFailure',
              },
            },
          },
        },
      },
      status: {},
    },
  },
  {
    name: 'role',
    command: 'kubectl create role r1 --verb=get,list --resource=pods,deployments.apps',
    path: '/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles',
    hex: '6b3873000a240a1c726261632e617574686f72697a6174696f6e2e6b38732e696f2f76311204526f6c6512490a120a02723112001a0022002a0032003800420012130a036765740a046c69737412001a04706f6473121e0a036765740a046c6973741204617070731a0b6465706c6f796d656e74731a002200',
    dryRun: {
      kind: 'Role',
      apiVersion: 'rbac.authorization.k8s.io/v1',
      metadata: { name: 'r1' },
      rules: [
        { verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] },
        { verbs: ['get', 'list'], apiGroups: ['apps'], resources: ['deployments'] },
      ],
    },
  },
  {
    name: 'rolebinding',
    command: 'kubectl create rolebinding rb1 --role=r1 --user=alice --serviceaccount=default:sa1',
    path: '/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings',
    hex: '6b3873000a2b0a1c726261632e617574686f72697a6174696f6e2e6b38732e696f2f7631120b526f6c6542696e64696e67128a010a130a0372623112001a0022002a00320038004200122a0a04557365721219726261632e617574686f72697a6174696f6e2e6b38732e696f1a05616c696365220012200a0e536572766963654163636f756e7412001a03736131220764656661756c741a250a19726261632e617574686f72697a6174696f6e2e6b38732e696f1204526f6c651a0272311a002200',
    dryRun: {
      kind: 'RoleBinding',
      apiVersion: 'rbac.authorization.k8s.io/v1',
      metadata: { name: 'rb1' },
      subjects: [
        { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'alice' },
        { kind: 'ServiceAccount', name: 'sa1', namespace: 'default' },
      ],
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'r1' },
    },
  },
  {
    name: 'clusterrole',
    command: 'kubectl create clusterrole cr1 --verb=get --resource=pods --non-resource-url=/healthz',
    path: '/apis/rbac.authorization.k8s.io/v1/clusterroles',
    hex: '6b3873000a2b0a1c726261632e617574686f72697a6174696f6e2e6b38732e696f2f7631120b436c7573746572526f6c6512350a130a0363723112001a0022002a00320038004200120d0a0367657412001a04706f6473120f0a036765742a082f6865616c74687a1a002200',
    dryRun: {
      kind: 'ClusterRole',
      apiVersion: 'rbac.authorization.k8s.io/v1',
      metadata: { name: 'cr1' },
      rules: [
        { verbs: ['get'], apiGroups: [''], resources: ['pods'] },
        { verbs: ['get'], nonResourceURLs: ['/healthz'] },
      ],
    },
  },
  {
    name: 'clusterrolebinding',
    command: 'kubectl create clusterrolebinding crb1 --clusterrole=cr1 --group=devs',
    path: '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings',
    hex: '6b3873000a320a1c726261632e617574686f72697a6174696f6e2e6b38732e696f2f76311212436c7573746572526f6c6542696e64696e6712710a140a046372623112001a0022002a00320038004200122a0a0547726f75701219726261632e617574686f72697a6174696f6e2e6b38732e696f1a046465767322001a2d0a19726261632e617574686f72697a6174696f6e2e6b38732e696f120b436c7573746572526f6c651a036372311a002200',
    dryRun: {
      kind: 'ClusterRoleBinding',
      apiVersion: 'rbac.authorization.k8s.io/v1',
      metadata: { name: 'crb1' },
      subjects: [{ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'devs' }],
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cr1' },
    },
  },
  {
    name: 'quota',
    command: 'kubectl create quota q1 --hard=pods=10,cpu=2,memory=1Gi --scopes=NotTerminating',
    path: '/api/v1/namespaces/default/resourcequotas',
    hex: '6b3873000a130a027631120d5265736f7572636551756f746112530a120a02713112001a0022002a00320038004200123b0a0a0a0363707512030a01320a0f0a066d656d6f727912050a033147690a0c0a04706f647312040a023130120e4e6f745465726d696e6174696e671a001a002200',
    dryRun: {
      kind: 'ResourceQuota',
      apiVersion: 'v1',
      metadata: { name: 'q1' },
      spec: { hard: { cpu: '2', memory: '1Gi', pods: '10' }, scopes: ['NotTerminating'] },
      status: {},
    },
  },
  {
    name: 'pdb',
    command: 'kubectl create pdb pdb1 --selector=app=web --min-available=1',
    path: '/apis/policy/v1/namespaces/default/poddisruptionbudgets',
    hex: '6b3873000a200a09706f6c6963792f76311213506f6444697372757074696f6e427564676574123a0a140a047064623112001a0022002a0032003800420012160a06080010011a00120c0a0a0a0361707012037765621a0a080018002000280030001a002200',
    dryRun: {
      kind: 'PodDisruptionBudget',
      apiVersion: 'policy/v1',
      metadata: { name: 'pdb1' },
      spec: { minAvailable: 1, selector: { matchLabels: { app: 'web' } } },
      status: { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 },
    },
  },
  {
    name: 'priorityclass',
    command: 'kubectl create priorityclass pc1 --value=1000 --description=high --preemption-policy=Never',
    path: '/apis/scheduling.k8s.io/v1/priorityclasses',
    hex: '6b3873000a250a147363686564756c696e672e6b38732e696f2f7631120d5072696f72697479436c61737312270a130a0370633112001a0022002a0032003800420010e80718002204686967682a054e657665721a002200',
    dryRun: {
      kind: 'PriorityClass',
      apiVersion: 'scheduling.k8s.io/v1',
      metadata: { name: 'pc1' },
      value: 1000,
      description: 'high',
      preemptionPolicy: 'Never',
    },
  },
  {
    name: 'ingress',
    command:
      'kubectl create ingress ing1 --class=nginx --rule=foo.com/bar*=svc1:8080,tls=sec --default-backend=svc1:http',
    path: '/apis/networking.k8s.io/v1/namespaces/default/ingresses',
    hex: '6b3873000a1f0a146e6574776f726b696e672e6b38732e696f2f76311207496e677265737312770a140a04696e673112001a0022002a00320038004200125b0a1222100a047376633112080a04687474701000120e0a07666f6f2e636f6d12037365631a2e0a07666f6f2e636f6d12230a210a1f0a042f626172120f220d0a047376633112050a0010903f1a0650726566697822056e67696e781a020a001a002200',
    dryRun: {
      kind: 'Ingress',
      apiVersion: 'networking.k8s.io/v1',
      metadata: { name: 'ing1' },
      spec: {
        ingressClassName: 'nginx',
        defaultBackend: { service: { name: 'svc1', port: { name: 'http' } } },
        tls: [{ hosts: ['foo.com'], secretName: 'sec' }],
        rules: [
          {
            host: 'foo.com',
            http: {
              paths: [
                { path: '/bar', pathType: 'Prefix', backend: { service: { name: 'svc1', port: { number: 8080 } } } },
              ],
            },
          },
        ],
      },
      status: { loadBalancer: {} },
    },
  },
  {
    name: 'token',
    command: 'kubectl create token sa1 --duration=1h --audience=api',
    path: '/api/v1/namespaces/default/serviceaccounts/sa1/token',
    hex: '6b3873000a280a1861757468656e7469636174696f6e2e6b38732e696f2f7631120c546f6b656e5265717565737412220a100a0012001a0022002a0032003800420012080a0361706920901c1a040a0012001a002200',
  },
  {
    name: 'cani',
    command: 'kubectl auth can-i create pods',
    path: '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
    hex: '6b3873000a320a17617574686f72697a6174696f6e2e6b38732e696f2f7631121753656c665375626a656374416363657373526576696577123f0a100a0012001a0022002a0032003800420012210a1f0a0764656661756c7412066372656174651a0022002a04706f647332003a001a08080012001a0020001a002200',
  },
  {
    name: 'canilist',
    command: 'kubectl auth can-i --list',
    path: '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews',
    hex: '6b3873000a310a17617574686f72697a6174696f6e2e6b38732e696f2f7631121653656c665375626a65637452756c657352657669657712230a100a0012001a0022002a0032003800420012090a0764656661756c741a04180022001a002200',
  },
  {
    name: 'whoami',
    command: 'kubectl auth whoami',
    path: '/apis/authentication.k8s.io/v1/selfsubjectreviews',
    hex: '6b3873000a2d0a1861757468656e7469636174696f6e2e6b38732e696f2f7631121153656c665375626a656374526576696577121a0a100a0012001a0022002a0032003800420012060a040a0012001a002200',
  },
  {
    name: 'autoscale',
    command: 'kubectl autoscale deployment web --min=2 --max=5 --cpu-percent=80',
    path: '/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers',
    hex: '6b3873000a290a0e6175746f7363616c696e672f76311217486f72697a6f6e74616c506f644175746f7363616c6572123f0a130a0377656212001a0022002a0032003800420012220a1a0a0a4465706c6f796d656e7412037765621a07617070732f76311002180520501a04180020001a002200',
    dryRun: {
      kind: 'HorizontalPodAutoscaler',
      apiVersion: 'autoscaling/v1',
      metadata: { name: 'web' },
      spec: {
        scaleTargetRef: { kind: 'Deployment', name: 'web', apiVersion: 'apps/v1' },
        minReplicas: 2,
        maxReplicas: 5,
        targetCPUUtilizationPercentage: 80,
      },
      status: { currentReplicas: 0, desiredReplicas: 0 },
    },
  },
];
