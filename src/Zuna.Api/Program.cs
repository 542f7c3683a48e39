Console.WriteLine("zuna");
