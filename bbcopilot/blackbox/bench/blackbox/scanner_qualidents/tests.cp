MODULE BenchScanNamesTest;

	IMPORT TextModels, BenchCheck, BenchTypes, BenchScanNames;

	PROCEDURE NewText (IN s: ARRAY OF CHAR): TextModels.Model;
		VAR t: TextModels.Model; w: TextModels.Writer; i: INTEGER;
	BEGIN
		t := TextModels.dir.New(); w := t.NewWriter(NIL); i := 0;
		WHILE s[i] # 0X DO w.WriteChar(s[i]); INC(i) END;
		RETURN t
	END NewText;

	(* The list of the names in `names`, separated by blanks. *)
	PROCEDURE List (IN names: ARRAY OF CHAR): BenchTypes.StringList;
		VAR list: BenchTypes.StringList; i, j, n: INTEGER; s: ARRAY 64 OF CHAR;
	BEGIN
		n := 0; i := 0;
		WHILE names[i] # 0X DO IF (names[i] # " ") & ((i = 0) OR (names[i - 1] = " ")) THEN INC(n) END; INC(i) END;
		NEW(list, n); n := 0; i := 0;
		WHILE names[i] # 0X DO
			IF names[i] = " " THEN INC(i)
			ELSE
				j := 0; WHILE (names[i] # 0X) & (names[i] # " ") DO s[j] := names[i]; INC(i); INC(j) END;
				s[j] := 0X; list[n] := BenchTypes.NewString(s); INC(n)
			END
		END;
		RETURN list
	END List;

	PROCEDURE Run*;
	BEGIN
		BenchCheck.StringList(1, BenchScanNames.Names(NewText('IMPORT StdLog; StdLog.String("hi"); x := 1')),
			List("IMPORT StdLog StdLog.String x"));
		BenchCheck.True(2, BenchScanNames.Names(TextModels.dir.New()) = NIL);
		BenchCheck.True(3, BenchScanNames.Names(NewText("12 + 0FFH * (3 - 4)")) = NIL);
		BenchCheck.StringList(4, BenchScanNames.Names(NewText("a b" + TextModels.line + "c1")), List("a b c1"));
		BenchCheck.StringList(5, BenchScanNames.Names(NewText("res := Files.dir.This(path)")),
			List("res Files.dir This path"));
		BenchCheck.StringList(6, BenchScanNames.Names(NewText("'quoted' word " + '"two words"' + " Math.Pi")),
			List("word Math.Pi"))
	END Run;

END BenchScanNamesTest.
