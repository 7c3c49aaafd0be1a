/** Lead-scoring models: pure algorithms, no I/O. See model.ts for how the pieces fit. */
export * from './dataset.ts';
export { rocAuc, logLoss, brierScore, calibrationTable, evaluate, stratifiedKFold, foldIndices, type Metrics, type CalibrationBin } from './metrics.ts';
export { trainGbdt, predictGbdtRaw, DEFAULT_GBDT_OPTIONS, type GbdtModel, type GbdtOptions, type GbdtTree } from './gbdt.ts';
export { explainGbdt } from './tree-shap.ts';
export { trainLogistic, predictLogisticRaw, explainLogistic, DEFAULT_LOGISTIC_OPTIONS, DEFAULT_PRIOR_STRENGTH, type LogisticModel, type LogisticOptions, type LogisticPrior } from './logistic.ts';
export { calibrate, fitPlatt, fitIsotonic, fitCalibration, DEFAULT_CALIBRATION_OPTIONS, type Calibrator, type CalibrationOptions, type CalibrationChoice } from './calibration.ts';
export { trainScoringModel, planScoringModel, completeScoringModel, type TrainingPlan, type GbdtFitRequest, predictScores, scoreWithConfidence, explainLead, explainRaw, gbdtWeightCap, DEFAULT_SCORING_OPTIONS, type ScoringModel, type ScoringOptions, type TrainingInfo, type Scores, type ScoresWithConfidence, type Explanation, type Contribution } from './model.ts';
export { scoringModelToJson, scoringModelFromJson, MODEL_FORMAT, MODEL_FORMAT_VERSION, type ScoringModelJson } from './serialize.ts';
