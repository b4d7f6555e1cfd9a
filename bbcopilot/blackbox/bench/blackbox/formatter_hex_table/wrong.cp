MODULE BenchFormatHex;

	IMPORT TextModels, TextMappers;

	(* Base 16 given as a number: the formatter writes the base as "%16", not as the suffix H, which
		only TextMappers.hexadecimal gives. *)
	PROCEDURE Table* (IN xs: ARRAY OF INTEGER; n: INTEGER): TextModels.Model;
		VAR t: TextModels.Model; f: TextMappers.Formatter; i: INTEGER;
	BEGIN
		t := TextModels.dir.New(); f.ConnectTo(t);
		FOR i := 0 TO n - 1 DO
			f.WriteInt(xs[i]); f.WriteTab;
			f.WriteIntForm(xs[i], 16, 1, " ", TextMappers.showBase); f.WriteLn
		END;
		RETURN t
	END Table;

END BenchFormatHex.
