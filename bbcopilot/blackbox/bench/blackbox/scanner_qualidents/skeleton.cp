MODULE BenchScanNames;

	IMPORT TextModels, TextMappers, BenchTypes;

	PROCEDURE Names* (t: TextModels.Model): BenchTypes.StringList;
	BEGIN
		RETURN NIL
	END Names;

END BenchScanNames.
