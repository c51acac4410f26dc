import ConfigReader
public import EventModel
import LocalFiles
public import SensorEngine
public import SensorModel
import Testing

/// The shipped routing matrix (`config/routing.yaml`) and the sample event of each use case (`specs/events`).
public enum ShippedRouting {
    public static func shippedMatrix() throws -> RoutingMatrix {
        let catalog = SensorFiles.load(paths: [Repository.root + "/config/routing.yaml"])
        #expect(catalog.findings.isEmpty, "\(catalog.findings.map(\.description))")
        return try #require(catalog.routingMatrices.first)
    }

    public static func sampleEvent(_ useCase: String) throws -> Event {
        try EventFile.load(path: Repository.root + "/specs/events/\(useCase).json")
    }

    public static func argo(
        _ name: String, namespace: String, _ parameters: KeyValuePairs<String, String>
    ) -> ArgoSubmissionTarget {
        ArgoSubmissionTarget(
            templateKind: .workflowTemplate, templateName: name, namespace: namespace,
            parameters: parameters.map { ArgoSubmissionTarget.Parameter(name: $0.key, value: $0.value) })
    }

    /// Each row of the table: the sample event of the use case, the route it must take, and the resolved target.
    public static let table: [(useCase: String, engine: RoutingEngine, target: RouteTarget)] = [
        (
            "ml-training", .kubeflow,
            .kubeflow(
                KubeflowRunTarget(
                    pipeline: "train-with-cache", version: "v4", experiment: "training",
                    parameters: [
                        "model_name": "churn-xgb", "dataset_uri": "s3://datasets/churn/2026-11", "epochs": .int(20),
                        "learning_rate": .double(0.05), "requested_by": "ml-platform",
                    ]))
        ),
        (
            "model-evaluation", .kubeflow,
            .kubeflow(
                KubeflowRunTarget(
                    pipeline: "model-evaluation", version: "v2", experiment: "evaluation",
                    parameters: [
                        "candidate_uri": "s3://models/churn-xgb/43", "baseline_uri": "s3://models/churn-xgb/42",
                        "metrics": .array(["auc", "accuracy", "f1"]),
                    ]))
        ),
        (
            "document-ingestion", .argo,
            .argo(
                argo(
                    "document-ingestion", namespace: "docs",
                    [
                        "document-uri": "s3://documents/contracts/2026/msa-acme-globex.pdf",
                        "collection": "contracts", "content-type": "application/pdf",
                    ]))
        ),
        (
            "batch-inference", .argo,
            .argo(
                argo(
                    "batch-inference", namespace: "ml",
                    [
                        "model-uri": "s3://models/churn-xgb/42", "input-prefix": "s3://features/churn/2026-11-21/",
                        "output-prefix": "s3://scores/churn/2026-11-21/", "shards": "8",
                    ]))
        ),
        (
            "complex-dag", .argo,
            .argo(
                argo(
                    "etl-branching", namespace: "data", ["dataset": "orders", "mode": "full", "run-date": "2026-11-21"])
            )
        ),
        (
            "hybrid-ml-training", .hybrid,
            .hybrid(
                argo(
                    "ml-hybrid", namespace: "ml",
                    [
                        "dataset-uri": "s3://datasets/fraud/raw/2026-11-21", "model-name": "fraud-gbm",
                        "event-id": "4b7e2a90-hybrid-training-0001", "kfp-pipeline": "train-with-cache",
                        "kfp-pipeline-version": "v4", "kfp-experiment": "training",
                        "kfp-parameters": #"{"model_name":"fraud-gbm","epochs":30,"learning_rate":0.02}"#,
                    ]),
                KubeflowRunTarget(
                    pipeline: "train-with-cache", version: "v4", experiment: "training",
                    parameters: ["model_name": "fraud-gbm", "epochs": .int(30), "learning_rate": .double(0.02)]))
        ),
    ]
}
