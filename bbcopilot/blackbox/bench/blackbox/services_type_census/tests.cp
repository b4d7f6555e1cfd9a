MODULE BenchTypeCensusTest;

	IMPORT TextModels, BenchCheck, BenchTypeCensus;

	TYPE
		Animal* = POINTER TO EXTENSIBLE RECORD END;
		Dog* = POINTER TO EXTENSIBLE RECORD (Animal) END;
		Puppy* = POINTER TO RECORD (Dog) END;
		Cat* = POINTER TO RECORD (Animal) END;

	PROCEDURE Run*;
		VAR objs: ARRAY 6 OF ANYPTR; a: Animal; d: Dog; p: Puppy; c: Cat;
	BEGIN
		NEW(a); NEW(d); NEW(p); NEW(c);
		objs[0] := d; objs[1] := p; objs[2] := c; objs[3] := NIL; objs[4] := TextModels.dir.New(); objs[5] := a;
		BenchCheck.String(1, BenchTypeCensus.TypeName(p), "BenchTypeCensusTest.Puppy");
		BenchCheck.True(2, (BenchTypeCensus.TypeName(objs[4]) # NIL) & (BenchTypeCensus.TypeName(objs[4])^ = "TextModels.StdModel")
			& (BenchTypeCensus.TypeName(NIL) # NIL) & (BenchTypeCensus.TypeName(NIL)^ = ""));
		BenchCheck.Int(3, BenchTypeCensus.Count(objs, 6, "BenchTypeCensusTest.Dog"), 2);
		BenchCheck.Int(4, BenchTypeCensus.Count(objs, 6, "BenchTypeCensusTest.Animal"), 4);
		BenchCheck.True(5, (BenchTypeCensus.Count(objs, 6, "Stores.Store") = 1) & (BenchTypeCensus.Count(objs, 6, "TextModels.Model") = 1)
			& (BenchTypeCensus.Count(objs, 6, "BenchTypeCensusTest.Cat") = 1));
		BenchCheck.True(6, (BenchTypeCensus.Count(objs, 2, "BenchTypeCensusTest.Puppy") = 1) & (BenchTypeCensus.Count(objs, 6, "NoSuchModule.Type") = 0)
			& (BenchTypeCensus.Count(objs, 0, "BenchTypeCensusTest.Animal") = 0))
	END Run;

END BenchTypeCensusTest.
