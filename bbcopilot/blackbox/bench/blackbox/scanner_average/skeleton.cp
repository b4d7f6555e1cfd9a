MODULE BenchScanMean;

	IMPORT TextModels, TextMappers;

	PROCEDURE Average* (t: TextModels.Model): REAL;
	BEGIN
		RETURN 0
	END Average;

END BenchScanMean.
