MODULE BenchFormatHex;

	IMPORT TextModels, TextMappers;

	PROCEDURE Table* (IN xs: ARRAY OF INTEGER; n: INTEGER): TextModels.Model;
	BEGIN
		RETURN TextModels.dir.New()
	END Table;

END BenchFormatHex.
