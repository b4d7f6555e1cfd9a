MODULE BenchScanSum;

	IMPORT TextModels, TextMappers;

	PROCEDURE Sum* (t: TextModels.Model): INTEGER;
	BEGIN
		RETURN 0
	END Sum;

END BenchScanSum.
