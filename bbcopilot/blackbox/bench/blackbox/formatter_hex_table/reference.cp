MODULE BenchFormatHex;

	IMPORT TextModels, TextMappers;

	PROCEDURE Table* (IN xs: ARRAY OF INTEGER; n: INTEGER): TextModels.Model;
		VAR t: TextModels.Model; f: TextMappers.Formatter; i: INTEGER;
	BEGIN
		t := TextModels.dir.New(); f.ConnectTo(t);
		FOR i := 0 TO n - 1 DO
			f.WriteInt(xs[i]); f.WriteTab;
			f.WriteIntForm(xs[i], TextMappers.hexadecimal, 1, " ", TextMappers.showBase); f.WriteLn
		END;
		RETURN t
	END Table;

END BenchFormatHex.
